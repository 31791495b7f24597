#include "matcher/candidate_index.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "storage/database.h"
#include "storage/keys.h"

namespace corridor::matcher {
namespace {

constexpr int kMaxK = 500;
constexpr size_t kDeadlineCheckEvery = 4096;
// Candidates whose columns are read before their lists are (see TopK).
constexpr size_t kChunk = 256;
// Arenas smaller than this are never compacted (not worth the pass).
constexpr size_t kMinGarbageToCompact = 4096;

constexpr uint8_t kLive = 1;
constexpr uint8_t kConsent = 2;

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

// One bit of the 64-bit skill signature per interned skill id.
uint64_t SkillBit(uint32_t skill) {
  return uint64_t{1} << ((skill * 0x9E3779B1u) >> 26);
}

// A variable-length list per slot: entries appended to one shared vector and
// addressed by (offset, count). Replaced lists become garbage until Compact.
template <typename T>
struct ListColumn {
  std::vector<T> items;
  std::vector<uint32_t> off;
  std::vector<uint16_t> count;
  size_t garbage = 0;

  absl::Span<const T> Get(uint32_t slot) const {
    return absl::Span<const T>(items.data() + off[slot], count[slot]);
  }
  void Grow(size_t slots) {
    off.resize(slots, 0);
    count.resize(slots, 0);
  }
  void Clear(uint32_t slot) {
    garbage += count[slot];
    off[slot] = 0;
    count[slot] = 0;
  }
  void Set(uint32_t slot, absl::Span<const T> values) {
    Clear(slot);
    off[slot] = static_cast<uint32_t>(items.size());
    count[slot] = static_cast<uint16_t>(values.size());
    items.insert(items.end(), values.begin(), values.end());
  }
  bool WantsCompaction() const {
    return garbage >= kMinGarbageToCompact && garbage * 2 > items.size();
  }
  // Keeps only the lists of slots with live[slot] & kLive.
  void Compact(const std::vector<uint8_t>& flags) {
    std::vector<T> fresh;
    fresh.reserve(items.size() - garbage + items.size() / 8);
    for (uint32_t s = 0; s < off.size(); ++s) {
      if ((flags[s] & kLive) == 0 || count[s] == 0) {
        off[s] = 0;
        count[s] = 0;
        continue;
      }
      uint32_t from = off[s];
      off[s] = static_cast<uint32_t>(fresh.size());
      fresh.insert(fresh.end(), items.begin() + from, items.begin() + from + count[s]);
    }
    items.swap(fresh);
    garbage = 0;
  }
  size_t Bytes() const {
    return items.capacity() * sizeof(T) + off.capacity() * sizeof(uint32_t) +
           count.capacity() * sizeof(uint16_t);
  }
};

template <typename T>
size_t VectorBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

struct CandidateIndex::State {
  // Hashes and compares slots by their id text, so the id -> slot map holds
  // only 4-byte slot numbers.
  struct IdHash {
    using is_transparent = void;
    const State* state;
    size_t operator()(uint32_t slot) const { return (*this)(state->IdOf(slot)); }
    size_t operator()(absl::string_view id) const {
      return absl::Hash<absl::string_view>()(id);
    }
  };
  struct IdEq {
    using is_transparent = void;
    const State* state;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, absl::string_view b) const { return state->IdOf(a) == b; }
    bool operator()(absl::string_view a, uint32_t b) const { return a == state->IdOf(b); }
  };

  State() : ids(0, IdHash{this}, IdEq{this}) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  absl::string_view IdOf(uint32_t slot) const {
    return absl::string_view(id_chars.data() + id_off[slot], id_len[slot]);
  }

  std::optional<uint32_t> Find(absl::string_view id) const {
    auto it = ids.find(id);
    if (it == ids.end()) return std::nullopt;
    return *it;
  }

  CandidateView View(uint32_t s) const {
    CandidateView v;
    v.id = IdOf(s);
    v.registered_micros = registered[s];
    v.agency = agency[s];
    v.nationality = nationality[s];
    v.residence = residence[s];
    v.education = education[s];
    v.consent = (flags[s] & kConsent) != 0;
    v.available_from = available_from[s];
    v.available_until = available_until[s];
    v.occupations = occupations.Get(s);
    v.skills = skills.Get(s);
    v.languages = languages.Get(s);
    v.credentials = credentials.Get(s);
    v.licences = licences.Get(s);
    v.history = history.Get(s);
    v.preferred_destinations = destinations.Get(s);
    v.preferred_schemes = preferred_schemes[s];
    v.preferred_occupations = preferred_isco.Get(s);
    return v;
  }

  size_t slot_count() const { return flags.size(); }

  uint32_t NewSlot() {
    if (!free_slots.empty()) {
      uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    uint32_t s = static_cast<uint32_t>(flags.size());
    size_t n = s + 1;
    id_off.resize(n, 0);
    id_len.resize(n, 0);
    registered.resize(n, 0);
    update_micros.resize(n, 0);
    agency.resize(n, 0);
    nationality.resize(n, 0);
    residence.resize(n, 0);
    education.resize(n, 0);
    flags.resize(n, 0);
    preferred_schemes.resize(n, 0);
    available_from.resize(n, kNoDay);
    available_until.resize(n, kNoDay);
    skill_sig.resize(n, 0);
    posting_pos.resize(n, 0);
    occupations.Grow(n);
    skills.Grow(n);
    languages.Grow(n);
    credentials.Grow(n);
    recognised.Grow(n);
    licences.Grow(n);
    history.Grow(n);
    destinations.Grow(n);
    preferred_isco.Grow(n);
    return s;
  }

  void AddPosting(uint32_t s) {
    std::vector<uint32_t>& list = postings[nationality[s]];
    posting_pos[s] = static_cast<uint32_t>(list.size());
    list.push_back(s);
  }
  void RemovePosting(uint32_t s) {
    auto it = postings.find(nationality[s]);
    if (it == postings.end()) return;
    std::vector<uint32_t>& list = it->second;
    uint32_t pos = posting_pos[s];
    uint32_t last = list.back();
    list[pos] = last;
    posting_pos[last] = pos;
    list.pop_back();
  }

  void SetId(uint32_t s, absl::string_view id) {
    id_garbage += id_len[s];
    id_off[s] = static_cast<uint32_t>(id_chars.size());
    id_len[s] = static_cast<uint8_t>(std::min<size_t>(id.size(), 255));
    id_chars.append(id.data(), id_len[s]);
  }

  // Points every live credential's span at its countries in `recognised`
  // (after that vector moved).
  void FixCredentialSpans() {
    for (uint32_t s = 0; s < slot_count(); ++s) {
      if ((flags[s] & kLive) == 0) continue;
      uint32_t at = recognised.off[s];
      CredentialEntry* first = credentials.items.data() + credentials.off[s];
      for (uint16_t i = 0; i < credentials.count[s]; ++i) {
        size_t n = first[i].recognised_in.size();
        first[i].recognised_in = absl::Span<const Country>(recognised.items.data() + at, n);
        at += static_cast<uint32_t>(n);
      }
    }
  }

  void SetCredentials(uint32_t s, absl::Span<const CredentialEntry> creds) {
    const Country* before = recognised.items.data();
    std::vector<Country> countries;
    for (const CredentialEntry& c : creds) {
      countries.insert(countries.end(), c.recognised_in.begin(), c.recognised_in.end());
    }
    recognised.Set(s, countries);
    credentials.Set(s, creds);
    uint32_t at = recognised.off[s];
    CredentialEntry* first = credentials.items.data() + credentials.off[s];
    for (uint16_t i = 0; i < credentials.count[s]; ++i) {
      size_t n = first[i].recognised_in.size();
      first[i].recognised_in = absl::Span<const Country>(recognised.items.data() + at, n);
      at += static_cast<uint32_t>(n);
    }
    if (recognised.items.data() != before) FixCredentialSpans();
  }

  // Adds or replaces one candidate; ignores it when older than the indexed one.
  void Put(const CandidateView& v, int64_t update_time) {
    std::optional<uint32_t> found = Find(v.id);
    uint32_t s;
    if (found.has_value()) {
      s = *found;
      if (update_time < update_micros[s]) return;
      if (nationality[s] != v.nationality) {
        RemovePosting(s);
        nationality[s] = v.nationality;
        AddPosting(s);
      }
    } else {
      s = NewSlot();
      SetId(s, v.id);
      flags[s] = kLive;
      ids.insert(s);
      nationality[s] = v.nationality;
      AddPosting(s);
      ++live;
    }
    update_micros[s] = update_time;
    registered[s] = v.registered_micros;
    agency[s] = v.agency;
    residence[s] = v.residence;
    education[s] = v.education;
    flags[s] = static_cast<uint8_t>(kLive | (v.consent ? kConsent : 0));
    preferred_schemes[s] = v.preferred_schemes;
    available_from[s] = v.available_from;
    available_until[s] = v.available_until;
    uint64_t sig = 0;
    for (const SkillEntry& e : v.skills) sig |= SkillBit(e.skill);
    skill_sig[s] = sig;
    occupations.Set(s, v.occupations);
    skills.Set(s, v.skills);
    languages.Set(s, v.languages);
    SetCredentials(s, v.credentials);
    licences.Set(s, v.licences);
    history.Set(s, v.history);
    destinations.Set(s, v.preferred_destinations);
    preferred_isco.Set(s, v.preferred_occupations);
    MaybeCompact();
  }

  void Erase(absl::string_view id) {
    std::optional<uint32_t> found = Find(id);
    if (!found.has_value()) return;
    uint32_t s = *found;
    ids.erase(s);
    RemovePosting(s);
    id_garbage += id_len[s];
    id_len[s] = 0;
    id_off[s] = 0;
    occupations.Clear(s);
    skills.Clear(s);
    languages.Clear(s);
    credentials.Clear(s);
    recognised.Clear(s);
    licences.Clear(s);
    history.Clear(s);
    destinations.Clear(s);
    preferred_isco.Clear(s);
    flags[s] = 0;
    skill_sig[s] = 0;
    update_micros[s] = 0;
    free_slots.push_back(s);
    --live;
    MaybeCompact();
  }

  void MaybeCompact() {
    if (occupations.WantsCompaction()) occupations.Compact(flags);
    if (skills.WantsCompaction()) skills.Compact(flags);
    if (languages.WantsCompaction()) languages.Compact(flags);
    if (credentials.WantsCompaction() || recognised.WantsCompaction()) {
      credentials.Compact(flags);
      recognised.Compact(flags);
      FixCredentialSpans();
    }
    if (licences.WantsCompaction()) licences.Compact(flags);
    if (history.WantsCompaction()) history.Compact(flags);
    if (destinations.WantsCompaction()) destinations.Compact(flags);
    if (preferred_isco.WantsCompaction()) preferred_isco.Compact(flags);
    if (id_garbage >= kMinGarbageToCompact && id_garbage * 2 > id_chars.size()) {
      std::string fresh;
      fresh.reserve(id_chars.size() - id_garbage + id_chars.size() / 8);
      for (uint32_t s = 0; s < slot_count(); ++s) {
        if ((flags[s] & kLive) == 0) continue;
        uint32_t from = id_off[s];
        id_off[s] = static_cast<uint32_t>(fresh.size());
        fresh.append(id_chars, from, id_len[s]);
      }
      id_chars.swap(fresh);
      id_garbage = 0;
    }
  }

  size_t Bytes() const {
    size_t b = id_chars.capacity() + VectorBytes(id_off) + VectorBytes(id_len) +
               VectorBytes(registered) + VectorBytes(update_micros) + VectorBytes(agency) +
               VectorBytes(nationality) + VectorBytes(residence) + VectorBytes(education) +
               VectorBytes(flags) + VectorBytes(preferred_schemes) +
               VectorBytes(available_from) + VectorBytes(available_until) +
               VectorBytes(skill_sig) + VectorBytes(posting_pos) + VectorBytes(free_slots) +
               occupations.Bytes() + skills.Bytes() + languages.Bytes() +
               credentials.Bytes() + recognised.Bytes() + licences.Bytes() +
               history.Bytes() + destinations.Bytes() + preferred_isco.Bytes();
    // A flat_hash_set slot is the value plus one control byte.
    b += ids.capacity() * (sizeof(uint32_t) + 1);
    b += postings.capacity() * (sizeof(Country) + sizeof(std::vector<uint32_t>) + 1);
    for (const auto& [country, list] : postings) b += VectorBytes(list);
    return b;
  }

  // Ids.
  std::string id_chars;
  size_t id_garbage = 0;
  std::vector<uint32_t> id_off;
  std::vector<uint8_t> id_len;
  absl::flat_hash_set<uint32_t, IdHash, IdEq> ids;
  std::vector<uint32_t> free_slots;
  size_t live = 0;

  // Scalar columns, one entry per slot.
  std::vector<int64_t> registered;
  std::vector<int64_t> update_micros;
  std::vector<uint32_t> agency;
  std::vector<Country> nationality;
  std::vector<Country> residence;
  std::vector<uint8_t> education;
  std::vector<uint8_t> flags;  // kLive | kConsent
  std::vector<uint8_t> preferred_schemes;
  std::vector<Day> available_from;
  std::vector<Day> available_until;
  std::vector<uint64_t> skill_sig;

  // Slots by nationality; posting_pos[s] is s's position in its list.
  absl::flat_hash_map<Country, std::vector<uint32_t>> postings;
  std::vector<uint32_t> posting_pos;

  // Variable-length lists. credentials[i].recognised_in points into
  // `recognised`, whose per-slot list is every credential's countries in order.
  ListColumn<OccupationEntry> occupations;
  ListColumn<SkillEntry> skills;
  ListColumn<LanguageEntry> languages;
  ListColumn<CredentialEntry> credentials;
  ListColumn<Country> recognised;
  ListColumn<LicenceEntry> licences;
  ListColumn<HistoryEntry> history;
  ListColumn<Country> destinations;
  ListColumn<Isco> preferred_isco;

  // While Rebuild runs, writes are applied to the old state and recorded
  // here, to be replayed on the new one.
  struct Pending {
    bool remove = false;
    std::string id;
    v1::Candidate candidate;
  };
  bool rebuilding = false;
  std::vector<Pending> pending;
};

CandidateIndex::CandidateIndex(Interner& interner)
    : interner_(interner), state_(std::make_unique<State>()) {}

CandidateIndex::~CandidateIndex() = default;

absl::Status CandidateIndex::Rebuild(storage::Stores& stores) {
  {
    absl::MutexLock lock(&mu_);
    if (state_->rebuilding) {
      return absl::FailedPreconditionError("a rebuild of the candidate index is running");
    }
    state_->rebuilding = true;
    state_->pending.clear();
  }
  auto fresh = std::make_unique<State>();
  storage::Database& db = stores.candidates.database();
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(
      db.db()->NewIterator(options, db.family(storage::Family::kCandidates)));
  v1::Candidate candidate;
  absl::Status status;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rocksdb::Slice value = it->value();
    if (!candidate.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      status = absl::DataLossError(
          absl::StrCat("candidate ", it->key().ToString(), " does not parse"));
      break;
    }
    OwnedCandidate owned(candidate, interner_);
    fresh->Put(owned.view(), Micros(candidate.update_time()));
  }
  if (status.ok()) status = storage::FromRocks(it->status(), "scanning candidates");

  absl::MutexLock lock(&mu_);
  std::vector<State::Pending> pending;
  pending.swap(state_->pending);
  state_->rebuilding = false;
  if (!status.ok()) return status;
  for (const State::Pending& p : pending) {
    if (p.remove) {
      fresh->Erase(p.id);
    } else {
      OwnedCandidate owned(p.candidate, interner_);
      fresh->Put(owned.view(), Micros(p.candidate.update_time()));
    }
  }
  state_ = std::move(fresh);
  return absl::OkStatus();
}

void CandidateIndex::Upsert(const v1::Candidate& candidate) {
  OwnedCandidate owned(candidate, interner_);
  absl::MutexLock lock(&mu_);
  state_->Put(owned.view(), Micros(candidate.update_time()));
  if (state_->rebuilding) {
    state_->pending.push_back(State::Pending{false, std::string(), candidate});
  }
}

void CandidateIndex::Remove(absl::string_view candidate_id) {
  absl::MutexLock lock(&mu_);
  state_->Erase(candidate_id);
  if (state_->rebuilding) {
    state_->pending.push_back(State::Pending{true, std::string(candidate_id), {}});
  }
}

bool CandidateIndex::WithView(absl::string_view candidate_id,
                              const std::function<void(const CandidateView&)>& fn) const {
  absl::ReaderMutexLock lock(&mu_);
  std::optional<uint32_t> s = state_->Find(candidate_id);
  if (!s.has_value()) return false;
  fn(state_->View(*s));
  return true;
}

size_t CandidateIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return state_->live;
}

size_t CandidateIndex::MemoryBytes() const {
  absl::ReaderMutexLock lock(&mu_);
  return state_->Bytes() + sizeof(State);
}

namespace {

// The nationalities a query must visit, sorted and unique: those whose
// candidates can pass. Evaluator::Compile lists every origin an agreement
// covers with the rules that fail for all its nationals (no agreement in force,
// origin not eligible, labour-market test, protected occupation, quota, a
// suspended employer); a nationality it does not list fails NO_AGREEMENT.
std::vector<const CompiledVacancy::OriginTerms*> OriginsToVisit(
    const CandidateIndex::Query& q, uint32_t allowed) {
  std::vector<const CompiledVacancy::OriginTerms*> out;
  for (const CompiledVacancy::OriginTerms& t : q.vacancy->origins) {
    if ((t.failures & ~allowed) != 0) continue;
    if (!q.nationalities.empty() &&
        std::find(q.nationalities.begin(), q.nationalities.end(), t.origin) ==
            q.nationalities.end()) {
      continue;
    }
    if (!out.empty() && out.back()->origin == t.origin) continue;
    out.push_back(&t);
  }
  return out;
}

struct Ranked {
  int64_t score;
  int64_t registered;
  absl::string_view id;
  uint32_t slot;
  Verdict verdict;
};

bool Better(const Ranked& a, const Ranked& b) {
  return RanksBefore(a.score, a.registered, a.id, b.score, b.registered, b.id);
}

}  // namespace

absl::StatusOr<CandidateIndex::Result> CandidateIndex::TopK(const Query& query,
                                                            const Evaluator& evaluator) const {
  if (query.vacancy == nullptr) return absl::InvalidArgumentError("vacancy: required");
  if (query.world == nullptr) return absl::InvalidArgumentError("world: required");
  if (query.k < 1 || query.k > kMaxK) {
    return absl::InvalidArgumentError(absl::StrCat("k: must be 1..", kMaxK, ", got ", query.k));
  }
  if (absl::Now() > query.deadline) {
    return absl::DeadlineExceededError("shortlist deadline passed before the scan");
  }
  const CompiledVacancy& vacancy = *query.vacancy;
  const MatchWorld& world = *query.world;

  // Rules checked here before Evaluate, each a sure failure of Evaluate.
  uint64_t must_sig = 0;
  std::vector<const CompiledVacancy::Requirement*> must;
  for (const CompiledVacancy::Requirement& r : vacancy.skills) {
    if (!r.must_have) continue;
    must_sig |= SkillBit(r.skill);
    must.push_back(&r);
  }
  std::vector<const CompiledVacancy::LanguageRequirement*> langs;
  for (const CompiledVacancy::LanguageRequirement& l : vacancy.languages) {
    if (l.min_level >= 1) langs.push_back(&l);
  }
  const Day start = vacancy.start;
  // For the score bound: each required skill's signature bit and its
  // siblings' bits (a sibling earns at most half credit).
  std::vector<uint64_t> req_bits, sibling_bits;
  double skill_den = 0;
  for (const CompiledVacancy::Requirement& r : vacancy.skills) {
    req_bits.push_back(SkillBit(r.skill));
    uint64_t sib = 0;
    for (const auto& [id, rank] : r.siblings) sib |= SkillBit(id);
    sibling_bits.push_back(sib);
    skill_den += r.weight;
  }
  const double experience_den = std::max(2.0 * vacancy.min_experience_years, 4.0);
  const uint32_t quota_bit = uint32_t{1} << static_cast<int>(Reason::kQuotaExhausted);
  const size_t k = static_cast<size_t>(query.k);

  absl::ReaderMutexLock lock(&mu_);
  const State& st = *state_;
  std::vector<std::pair<const CompiledVacancy::OriginTerms*, const std::vector<uint32_t>*>>
      lists;
  for (const CompiledVacancy::OriginTerms* t :
       OriginsToVisit(query, query.include_quota_exhausted ? quota_bit : 0)) {
    auto it = st.postings.find(t->origin);
    if (it != st.postings.end()) lists.emplace_back(t, &it->second);
  }

  Result result;
  std::vector<Ranked> heap;  // worst kept candidate on top
  heap.reserve(k + 1);
  size_t visited = 0;
  size_t next_deadline_check = kDeadlineCheckEvery;
  std::array<uint32_t, kChunk> batch;
  for (const auto& [terms, list] : lists) {
    const Weights& w = terms->weights;
    // In chunks: first the packed columns (sequential), collecting the slots
    // that pass and prefetching their lists; then the rules that read the
    // lists, whose cache misses then overlap instead of queueing.
    const std::vector<uint32_t>& slots = *list;
    for (size_t base = 0; base < slots.size(); base += kChunk) {
      const size_t end = std::min(slots.size(), base + kChunk);
      visited += end - base;
      if (visited >= next_deadline_check) {
        next_deadline_check = visited + kDeadlineCheckEvery;
        if (absl::Now() > query.deadline) {
          return absl::DeadlineExceededError("shortlist deadline passed during the scan");
        }
      }
      size_t passing = 0;
      for (size_t i = base; i < end; ++i) {
        const uint32_t s = slots[i];
        if ((st.flags[s] & kConsent) == 0) continue;
        if ((st.skill_sig[s] & must_sig) != must_sig) continue;
        // NOT_AVAILABLE_IN_WINDOW as Evaluate decides it: no window (kNoDay
        // is the smallest Day) or one not covering the start date.
        const Day from = st.available_from[s], until = st.available_until[s];
        if (from == kNoDay || until == kNoDay || start < from || start > until) continue;
        batch[passing++] = s;
        __builtin_prefetch(st.skills.items.data() + st.skills.off[s]);
        __builtin_prefetch(st.occupations.items.data() + st.occupations.off[s]);
        if (!langs.empty()) __builtin_prefetch(st.languages.items.data() + st.languages.off[s]);
        if (st.history.count[s] != 0) {
          __builtin_prefetch(st.history.items.data() + st.history.off[s]);
        }
      }
    for (size_t j = 0; j < passing; ++j) {
      const uint32_t s = batch[j];
      if (!must.empty()) {
        absl::Span<const SkillEntry> skills = st.skills.Get(s);
        bool ok = true;
        for (const CompiledVacancy::Requirement* r : must) {
          auto e = std::lower_bound(
              skills.begin(), skills.end(), r->skill,
              [](const SkillEntry& x, uint32_t id) { return x.skill < id; });
          if (e == skills.end() || e->skill != r->skill || e->level < r->min_level) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      if (!langs.empty()) {
        absl::Span<const LanguageEntry> have = st.languages.Get(s);
        bool ok = true;
        for (const CompiledVacancy::LanguageRequirement* l : langs) {
          bool met = false;
          for (const LanguageEntry& e : have) {
            if (e.language == l->language && e.level >= l->min_level) {
              met = true;
              break;
            }
          }
          if (!met) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      if (query.isco.digits != 0) {
        bool any = false;
        for (const OccupationEntry& o : st.occupations.Get(s)) {
          if (IscoHasPrefix(o.isco, query.isco)) {
            any = true;
            break;
          }
        }
        if (!any) continue;
      }

      if (!vacancy.required_credentials.empty()) {
        absl::Span<const CredentialEntry> creds = st.credentials.Get(s);
        bool ok = true;
        for (uint32_t kind : vacancy.required_credentials) {
          bool met = false;
          for (const CredentialEntry& c : creds) {
            if (c.kind == kind && c.verified &&
                std::find(c.recognised_in.begin(), c.recognised_in.end(),
                          vacancy.destination) != c.recognised_in.end()) {
              met = true;
              break;
            }
          }
          if (!met) {
            ok = false;
            break;
          }
        }
        if (!ok) continue;
      }
      if (vacancy.required_licence.has_value()) {
        bool met = false;
        for (const LicenceEntry& l : st.licences.Get(s)) {
          if (l.profession == *vacancy.required_licence &&
              l.issuing_country == vacancy.destination &&
              (l.valid_until == kNoDay || l.valid_until >= start)) {
            met = true;
            break;
          }
        }
        if (!met) continue;
      }
      {
        const uint32_t agency = st.agency[s];
        auto it = world.agency_licence_valid.find(agency);
        if (agency == 0 || it == world.agency_licence_valid.end() || !it->second) continue;
      }
      if (terms->not_returned_ineligible) {
        bool absconded = false;
        for (const HistoryEntry& h : st.history.Get(s)) {
          if (h.outcome == v1::RETURN_OUTCOME_NOT_RETURNED) {
            absconded = true;
            break;
          }
        }
        if (absconded) continue;
      }
      if (!world.placed_candidates.empty() &&
          world.placed_candidates.contains(st.IdOf(s))) {
        continue;
      }
      // Every rule Evaluate applies has passed: the candidate counts as
      // eligible. (Should Evaluate ever reject one, the count is corrected
      // below for the candidates it sees.)
      ++result.eligible_count;

      if (heap.size() == k) {
        // Skip Evaluate when even the best case cannot enter the top k.
        double bound = 0;
        const uint64_t sig = st.skill_sig[s];
        if (vacancy.skills.empty()) {
          bound += w[0];
        } else {
          double num = 0;
          for (size_t i = 0; i < vacancy.skills.size(); ++i) {
            double credit = (sig & req_bits[i]) != 0 ? 1.0
                            : (sig & sibling_bits[i]) != 0 ? 0.5 : 0.0;
            num += vacancy.skills[i].weight * credit;
          }
          bound += w[0] * (skill_den > 0 ? num / skill_den : 1.0);
        }
        int common = 0, years = 0;
        for (const OccupationEntry& o : st.occupations.Get(s)) {
          int c = IscoCommonDigits(o.isco, vacancy.isco);
          common = std::max(common, c);
          if (c > 0) years = std::max<int>(years, o.experience_years);
        }
        bound += w[1] * (common / 4.0) + w[2] * std::min(1.0, years / experience_den);
        if (!vacancy.languages.empty()) bound += w[3];
        if (st.education[s] > 0) bound += w[4];
        if (st.credentials.count[s] > 0) bound += w[5];
        if (terms->reentry_bonus && st.history.count[s] > 0) bound += w[6];
        if (st.destinations.count[s] > 0 || st.preferred_schemes[s] != 0 ||
            st.preferred_isco.count[s] > 0) {
          bound += w[7];
        }
        // Two micros of slack cover rounding in either sum.
        if (static_cast<int64_t>(bound * 1e6) + 2 < heap.front().score) continue;
      }

      CandidateView view = st.View(s);
      Verdict verdict = evaluator.Evaluate(view, vacancy, world);
      if (verdict.failures != 0 &&
          !(query.include_quota_exhausted && verdict.failures == quota_bit)) {
        --result.eligible_count;
        continue;
      }
      Ranked r{verdict.score_micros, view.registered_micros, view.id, s, verdict};
      if (heap.size() < k) {
        heap.push_back(r);
        std::push_heap(heap.begin(), heap.end(), Better);
      } else if (Better(r, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), Better);
        heap.back() = r;
        std::push_heap(heap.begin(), heap.end(), Better);
      }
    }
    }
  }
  std::sort(heap.begin(), heap.end(), Better);
  result.top.reserve(heap.size());
  for (const Ranked& r : heap) {
    result.top.push_back(Hit{std::string(r.id), r.registered, r.verdict});
  }
  return result;
}

}  // namespace corridor::matcher
