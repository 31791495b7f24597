#include "matcher/candidate_index.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
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
// Arenas smaller than this are never compacted (not worth the pass).
constexpr size_t kMinGarbageToCompact = 4096;

constexpr uint8_t kLive = 1;
constexpr uint8_t kConsent = 2;

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
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
  // The entries become garbage, overwritten at once: an erased candidate's
  // lists do not linger in memory until the next Compact.
  void Clear(uint32_t slot) {
    std::fill_n(items.begin() + off[slot], count[slot], T());
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

// push_back growing by a quarter rather than doubling (memory per candidate).
template <typename T>
void Append(std::vector<T>& v, const T& value) {
  if (v.size() == v.capacity()) v.reserve(v.capacity() + v.capacity() / 4 + 4);
  v.push_back(value);
}

// Availability slices. A posting list (one nationality) is split by where a
// candidate's availability window lies: the kSliceDays-day period holding
// its first day (window_from, as CandidateScreen stores it), and how many
// periods later its last day falls (span). A query then skips the slices
// where nobody can pass NOT_AVAILABLE_IN_WINDOW, and does not test the rule
// in those where everybody passes (Evaluator::WindowsInRange decides both
// from the slice's bounds). Slices never make a verdict: a slice that may
// hold both is screened candidate by candidate, as before.
constexpr int64_t kSliceDays = 32;
// span 0: window_until before the first period (or unset); 1..kSpans-2:
// window_until in period from + span - 1; kSpans-1: any later period.
constexpr int64_t kSpans = 8;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

Day ClampDay(int64_t d) {
  return static_cast<Day>(std::clamp<int64_t>(d, INT32_MIN, INT32_MAX));
}

struct Slice {
  int64_t from = 0;  // FloorDiv(window_from, kSliceDays)
  int64_t span = 0;
};

Slice SliceOf(Day window_from, Day window_until) {
  Slice s;
  s.from = FloorDiv(window_from, kSliceDays);
  const int64_t until = FloorDiv(window_until, kSliceDays);
  s.span = until < s.from ? 0 : std::min(until - s.from + 1, kSpans - 1);
  return s;
}

// The key of (nationality, slice) in State::shard_ids.
uint64_t ShardKey(Country nationality, const Slice& s) {
  return (uint64_t{nationality} << 48) |
         (static_cast<uint64_t>(static_cast<uint32_t>(s.from)) << 8) |
         static_cast<uint64_t>(s.span);
}

// ShardColumns' columns, widest first so that every column starts 16-byte
// aligned.
enum ColumnId : int {
  kSkillSig, kHotLevels,
  kSlot, kWindowFrom, kWindowUntil, kAgency,
  kOccIsco0, kOccIsco1, kLang0, kLang1, kLang2, kPrefDestination,
  kOccYears0, kOccYears1, kOccCount, kOccMaxYears, kLangLevel0, kLangLevel1, kLangLevel2,
  kLangCount, kPrefDestinationCount, kPrefIscoCount, kPreferredSchemes, kEducation, kFlags,
  kColumnCount
};
constexpr std::array<uint8_t, kColumnCount> kColumnBytes = {
    8, 8, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
constexpr std::array<size_t, kColumnCount + 1> ColumnStarts() {
  std::array<size_t, kColumnCount + 1> start{};
  for (int c = 0; c < kColumnCount; ++c) start[c + 1] = start[c] + kColumnBytes[c];
  return start;
}
constexpr std::array<size_t, kColumnCount + 1> kColumnStart = ColumnStarts();
constexpr size_t kRowBytes = kColumnStart[kColumnCount];
static_assert(sizeof(Day) == 4 && sizeof(Country) == 2, "column widths");

// The slots, screens and summaries of one posting list as columns
// (CandidateColumns), all in one allocation: column c holds capacity()
// entries of kColumnBytes[c] bytes each, from byte capacity() *
// kColumnStart[c] on. The capacity is a multiple of 16, so every column
// starts 16-byte aligned. Grows by a quarter (memory per candidate).
class ShardColumns {
 public:
  ShardColumns() = default;
  ShardColumns(ShardColumns&&) = default;
  ShardColumns& operator=(ShardColumns&&) = default;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  size_t Bytes() const {
    return capacity_ * kRowBytes + VectorBytes(agency_ids_) + VectorBytes(agency_counts_);
  }
  uint32_t slot(size_t pos) const { return Column<uint32_t>(kSlot)[pos]; }
  // Every agency some entry names, once, sorted.
  absl::Span<const uint32_t> agencies() const { return agency_ids_; }

  CandidateColumns view() const {
    CandidateColumns c;
    c.window_from = Column<Day>(kWindowFrom);
    c.window_until = Column<Day>(kWindowUntil);
    c.skill_sig = Column<uint64_t>(kSkillSig);
    c.hot_levels = Column<uint64_t>(kHotLevels);
    c.agency = Column<uint32_t>(kAgency);
    c.occ_isco = {Column<uint16_t>(kOccIsco0), Column<uint16_t>(kOccIsco1)};
    c.occ_years = {Column<uint8_t>(kOccYears0), Column<uint8_t>(kOccYears1)};
    c.occ_count = Column<uint8_t>(kOccCount);
    c.occ_max_years = Column<uint8_t>(kOccMaxYears);
    c.lang = {Column<uint16_t>(kLang0), Column<uint16_t>(kLang1), Column<uint16_t>(kLang2)};
    c.lang_level = {Column<uint8_t>(kLangLevel0), Column<uint8_t>(kLangLevel1),
                    Column<uint8_t>(kLangLevel2)};
    c.lang_count = Column<uint8_t>(kLangCount);
    c.pref_destination = Column<Country>(kPrefDestination);
    c.pref_destination_count = Column<uint8_t>(kPrefDestinationCount);
    c.pref_isco_count = Column<uint8_t>(kPrefIscoCount);
    c.preferred_schemes = Column<uint8_t>(kPreferredSchemes);
    c.education = Column<uint8_t>(kEducation);
    c.flags = Column<uint8_t>(kFlags);
    return c;
  }

  void Push(uint32_t slot, const CandidateScreen& screen, const CandidateSummary& summary) {
    if (size_ == capacity_) Grow();
    ++size_;
    Column<uint32_t>(kSlot)[size_ - 1] = slot;
    Write(size_ - 1, screen, summary);
    CountAgency(summary.agency, 1);
  }

  // Replaces the screen and summary at `pos` (its slot stays).
  void Set(size_t pos, const CandidateScreen& screen, const CandidateSummary& summary) {
    CountAgency(Column<uint32_t>(kAgency)[pos], -1);
    Write(pos, screen, summary);
    CountAgency(summary.agency, 1);
  }

  // Moves the last entry to `pos` (dropping the one there) and shortens the
  // list by one.
  void MoveLastTo(size_t pos) {
    CountAgency(Column<uint32_t>(kAgency)[pos], -1);
    const size_t last = size_ - 1;
    if (pos != last) {
      for (int c = 0; c < kColumnCount; ++c) {
        const size_t bytes = kColumnBytes[c];
        uint8_t* column = data_.get() + capacity_ * kColumnStart[c];
        std::memcpy(column + pos * bytes, column + last * bytes, bytes);
      }
    }
    size_ = last;
  }

 private:
  void Write(size_t pos, const CandidateScreen& screen, const CandidateSummary& s) {
    Column<Day>(kWindowFrom)[pos] = screen.window_from;
    Column<Day>(kWindowUntil)[pos] = screen.window_until;
    Column<uint64_t>(kSkillSig)[pos] = screen.skill_sig;
    Column<uint64_t>(kHotLevels)[pos] = screen.hot_levels;
    Column<uint32_t>(kAgency)[pos] = s.agency;
    Column<uint16_t>(kOccIsco0)[pos] = s.occ_isco[0];
    Column<uint16_t>(kOccIsco1)[pos] = s.occ_isco[1];
    Column<uint8_t>(kOccYears0)[pos] = s.occ_years[0];
    Column<uint8_t>(kOccYears1)[pos] = s.occ_years[1];
    Column<uint8_t>(kOccCount)[pos] = s.occ_count;
    Column<uint8_t>(kOccMaxYears)[pos] = s.occ_max_years;
    Column<uint16_t>(kLang0)[pos] = s.lang[0];
    Column<uint16_t>(kLang1)[pos] = s.lang[1];
    Column<uint16_t>(kLang2)[pos] = s.lang[2];
    Column<uint8_t>(kLangLevel0)[pos] = s.lang_level[0];
    Column<uint8_t>(kLangLevel1)[pos] = s.lang_level[1];
    Column<uint8_t>(kLangLevel2)[pos] = s.lang_level[2];
    Column<uint8_t>(kLangCount)[pos] = s.lang_count;
    Column<Country>(kPrefDestination)[pos] = s.pref_destination;
    Column<uint8_t>(kPrefDestinationCount)[pos] = s.pref_destination_count;
    Column<uint8_t>(kPrefIscoCount)[pos] = s.pref_isco_count;
    Column<uint8_t>(kPreferredSchemes)[pos] = s.preferred_schemes;
    Column<uint8_t>(kEducation)[pos] = s.education;
    Column<uint8_t>(kFlags)[pos] = s.flags;
  }

  // Adds `delta` (+1 or -1) to the number of entries naming `agency`.
  void CountAgency(uint32_t agency, int delta) {
    auto it = std::lower_bound(agency_ids_.begin(), agency_ids_.end(), agency);
    const size_t at = static_cast<size_t>(it - agency_ids_.begin());
    if (it == agency_ids_.end() || *it != agency) {
      if (delta < 0) return;  // cannot happen: every entry was counted
      agency_ids_.insert(it, agency);
      agency_counts_.insert(agency_counts_.begin() + at, 0);
    }
    agency_counts_[at] += delta;
    if (agency_counts_[at] == 0) {
      agency_ids_.erase(agency_ids_.begin() + at);
      agency_counts_.erase(agency_counts_.begin() + at);
    }
  }

  template <typename T>
  T* Column(ColumnId c) {
    return reinterpret_cast<T*>(data_.get() + capacity_ * kColumnStart[c]);
  }
  template <typename T>
  const T* Column(ColumnId c) const {
    return reinterpret_cast<const T*>(data_.get() + capacity_ * kColumnStart[c]);
  }

  void Grow() {
    const size_t grown = (capacity_ + capacity_ / 4 + 16 + 15) / 16 * 16;
    std::unique_ptr<uint8_t[]> fresh(new uint8_t[grown * kRowBytes]);
    for (int c = 0; c < kColumnCount; ++c) {
      if (size_ == 0) break;
      std::memcpy(fresh.get() + grown * kColumnStart[c], data_.get() + capacity_ * kColumnStart[c],
                  size_ * kColumnBytes[c]);
    }
    data_ = std::move(fresh);
    capacity_ = grown;
  }

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
  // The agencies the entries name, and how many name each.
  std::vector<uint32_t> agency_ids_;
  std::vector<uint32_t> agency_counts_;
};

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
    const Shard& shard = shards[shard_of[s]];
    const CandidateColumns columns = shard.columns.view();
    const CandidateScreen screen = columns.Screen(posting_pos[s]);
    const CandidateSummary sum = columns.Summary(posting_pos[s]);
    v.agency = sum.agency;
    v.nationality = shard.nationality;
    v.residence = residence[s];
    v.education = sum.education;
    v.consent = (flags[s] & kConsent) != 0;
    v.available_from = screen.available_from();
    v.available_until = screen.available_until();
    v.occupations = occupations.Get(s);
    v.skills = skills.Get(s);
    v.languages = languages.Get(s);
    v.credentials = credentials.Get(s);
    v.licences = licences.Get(s);
    v.history = history.Get(s);
    v.preferred_destinations = destinations.Get(s);
    v.preferred_schemes = sum.preferred_schemes;
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
    residence.resize(n, 0);
    flags.resize(n, 0);
    shard_of.resize(n, 0);
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

  // The shard of (nationality, the screen's availability slice), created
  // when new.
  uint32_t ShardFor(Country nationality, const CandidateScreen& screen) {
    const Slice slice = SliceOf(screen.window_from, screen.window_until);
    const uint64_t key = ShardKey(nationality, slice);
    auto [it, added] = shard_ids.try_emplace(key, static_cast<uint32_t>(shards.size()));
    if (added) {
      Shard& shard = shards.emplace_back();
      shard.key = key;
      shard.nationality = nationality;
      const int64_t first = slice.from * kSliceDays;
      shard.from_min = ClampDay(first);
      shard.from_max = ClampDay(first + kSliceDays - 1);
      if (slice.span == 0) {
        shard.until_min = INT32_MIN;
        shard.until_max = ClampDay(first - 1);
      } else {
        shard.until_min = ClampDay(first + (slice.span - 1) * kSliceDays);
        shard.until_max = slice.span == kSpans - 1
                              ? INT32_MAX
                              : ClampDay(first + slice.span * kSliceDays - 1);
      }
      Append(by_nationality[nationality], it->second);
    }
    return it->second;
  }

  void AddPosting(uint32_t s, Country nationality, const CandidateScreen& screen,
                  const CandidateSummary& summary) {
    const uint32_t id = ShardFor(nationality, screen);
    shard_of[s] = id;
    posting_pos[s] = static_cast<uint32_t>(shards[id].columns.size());
    shards[id].columns.Push(s, screen, summary);
  }
  void RemovePosting(uint32_t s) {
    Shard& shard = shards[shard_of[s]];
    const uint32_t pos = posting_pos[s];
    const uint32_t last = shard.columns.slot(shard.columns.size() - 1);
    shard.columns.MoveLastTo(pos);
    posting_pos[last] = pos;
  }

  // Makes every skill never seen before hot while slots remain: no summary
  // holds it yet, so every summary's hot levels stay exact.
  void NoteSkills(absl::Span<const SkillEntry> list) {
    for (const SkillEntry& e : list) {
      if (seen_skills.insert(e.skill).second && hot.size < kHotSkillSlots) {
        hot.ids[hot.size++] = e.skill;
      }
    }
  }

  // Makes the (up to) kHotSkillSlots skills held by most live candidates the
  // hot set (ties: lower interned id) and re-summarises every candidate, so
  // every screen's hot levels are exact for the new set. Skills seen later
  // are added by NoteSkills only while slots remain, as before.
  void ChooseHotSkillsByFrequency() {
    absl::flat_hash_map<uint32_t, uint32_t> freq;
    for (uint32_t s = 0; s < slot_count(); ++s) {
      if ((flags[s] & kLive) == 0) continue;
      absl::Span<const SkillEntry> list = skills.Get(s);
      for (size_t i = 0; i < list.size(); ++i) {
        // Count a skill once per candidate (lists are sorted by skill id).
        if (i > 0 && list[i - 1].skill == list[i].skill) continue;
        ++freq[list[i].skill];
      }
    }
    std::vector<std::pair<uint32_t, uint32_t>> ranked(freq.begin(), freq.end());
    const size_t n = std::min<size_t>(ranked.size(), kHotSkillSlots);
    std::partial_sort(ranked.begin(), ranked.begin() + n, ranked.end(),
                      [](const std::pair<uint32_t, uint32_t>& a,
                         const std::pair<uint32_t, uint32_t>& b) {
                        if (a.second != b.second) return a.second > b.second;
                        return a.first < b.first;
                      });
    HotSkills chosen;
    for (size_t i = 0; i < n; ++i) chosen.ids[chosen.size++] = ranked[i].first;
    hot = chosen;
    // The availability window does not change, so neither does the shard.
    for (Shard& shard : shards) {
      for (size_t pos = 0; pos < shard.columns.size(); ++pos) {
        const CandidateView v = View(shard.columns.slot(pos));
        CandidateScreen screen;
        CandidateSummary summary;
        SummarizeCandidate(v, hot, screen, summary);
        shard.columns.Set(pos, screen, summary);
      }
    }
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
    if (found.has_value() && update_time < update_micros[*found]) return;
    NoteSkills(v.skills);
    CandidateScreen screen;
    CandidateSummary summary;
    SummarizeCandidate(v, hot, screen, summary);
    if (found.has_value()) {
      s = *found;
      const uint64_t key =
          ShardKey(v.nationality, SliceOf(screen.window_from, screen.window_until));
      if (shards[shard_of[s]].key != key) {
        RemovePosting(s);
        AddPosting(s, v.nationality, screen, summary);
      } else {
        shards[shard_of[s]].columns.Set(posting_pos[s], screen, summary);
      }
    } else {
      s = NewSlot();
      SetId(s, v.id);
      flags[s] = kLive;
      ids.insert(s);
      AddPosting(s, v.nationality, screen, summary);
      ++live;
    }
    update_micros[s] = update_time;
    registered[s] = v.registered_micros;
    residence[s] = v.residence;
    flags[s] = static_cast<uint8_t>(kLive | (v.consent ? kConsent : 0));
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
               VectorBytes(registered) + VectorBytes(update_micros) +
               VectorBytes(residence) + VectorBytes(flags) + VectorBytes(shard_of) +
               VectorBytes(posting_pos) + VectorBytes(free_slots) +
               occupations.Bytes() + skills.Bytes() + languages.Bytes() +
               credentials.Bytes() + recognised.Bytes() + licences.Bytes() +
               history.Bytes() + destinations.Bytes() + preferred_isco.Bytes();
    // A flat_hash_set slot is the value plus one control byte.
    b += ids.capacity() * (sizeof(uint32_t) + 1);
    b += VectorBytes(shards) + shard_ids.capacity() * (sizeof(uint64_t) + sizeof(uint32_t) + 1);
    for (const Shard& shard : shards) b += shard.columns.Bytes();
    b += by_nationality.capacity() * (sizeof(Country) + sizeof(std::vector<uint32_t>) + 1);
    for (const auto& [country, list] : by_nationality) b += VectorBytes(list);
    b += seen_skills.capacity() * (sizeof(uint32_t) + 1);
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
  std::vector<Country> residence;
  std::vector<uint8_t> flags;  // kLive | kConsent

  // The posting lists: the slots of one nationality and one availability
  // slice (a shard), each with its screen (as columns) and CandidateSummary
  // alongside, in the same order, so a query streams the columns it needs
  // of the shards it visits. The screens and summaries also hold the facts
  // View reads (nationality, agency, education, availability, schemes).
  struct Shard {
    uint64_t key = 0;  // ShardKey
    Country nationality = 0;
    // Every window in the shard has from_min <= window_from <= from_max and
    // until_min <= window_until <= until_max (CandidateScreen's encoding).
    Day from_min = 0, from_max = 0, until_min = 0, until_max = 0;
    ShardColumns columns;
  };
  // Shards are never removed (an emptied one is skipped by queries and
  // refilled by later candidates of its nationality and slice).
  std::vector<Shard> shards;
  absl::flat_hash_map<uint64_t, uint32_t> shard_ids;  // ShardKey -> index in shards
  absl::flat_hash_map<Country, std::vector<uint32_t>> by_nationality;  // indexes in shards
  // Per slot: its shard and its position there.
  std::vector<uint32_t> shard_of;
  std::vector<uint32_t> posting_pos;
  // The skills summaries carry exact levels for, and every skill ever seen.
  HotSkills hot;
  absl::flat_hash_set<uint32_t> seen_skills;

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
  if (status.ok()) fresh->ChooseHotSkillsByFrequency();

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

void CandidateIndex::ChooseHotSkills() {
  absl::MutexLock lock(&mu_);
  state_->ChooseHotSkillsByFrequency();
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

  const uint32_t quota_bit = uint32_t{1} << static_cast<int>(Reason::kQuotaExhausted);
  const uint32_t allowed = query.include_quota_exhausted ? quota_bit : 0;
  const size_t k = static_cast<size_t>(query.k);
  const bool missing_stops =
      (~allowed & (uint32_t{1} << static_cast<int>(Reason::kMissingRequiredSkill))) != 0;

  const bool window_stops =
      (~allowed & (uint32_t{1} << static_cast<int>(Reason::kNotAvailableInWindow))) != 0;

  absl::ReaderMutexLock lock(&mu_);
  const State& st = *state_;
  std::vector<std::pair<const CompiledVacancy::OriginTerms*, const std::vector<uint32_t>*>> lists;
  for (const CompiledVacancy::OriginTerms* t : OriginsToVisit(query, allowed)) {
    auto it = st.by_nationality.find(t->origin);
    if (it != st.by_nationality.end()) lists.emplace_back(t, &it->second);
  }

  constexpr size_t kBlock = 1024;
  Result result;
  std::optional<ScanPlan> plan;
  std::vector<Ranked> heap;  // worst kept candidate on top
  heap.reserve(k + 1);

  // One candidate the screen handed back (its entry's flags say what is
  // left to decide), at position i of `shard`: decides the rules left, counts
  // it when eligible, then evaluates it unless a bound shows that it cannot
  // enter the top k (from the summary, the screen, then the skill list).
  auto consider = [&](const State::Shard& shard, const CandidateColumns& columns, size_t i,
                      uint32_t flags) {
    const bool undecided = (flags & Evaluator::kScreenUndecided) != 0;
    const bool cold = (flags & Evaluator::kScreenColdSkills) != 0;
    const bool below = (flags & Evaluator::kScreenBelowThreshold) != 0;
    const CandidateSummary sum = columns.Summary(i);
    const uint32_t s = shard.columns.slot(i);
    if (query.isco.digits != 0) {
      bool any = false;
      if (sum.occ_count <= 2) {
        for (int o = 0; o < sum.occ_count && !any; ++o) {
          any = IscoHasPrefix(IscoFromIndex(sum.occ_isco[o]), query.isco);
        }
      } else {
        for (const OccupationEntry& o : st.occupations.Get(s)) {
          if (IscoHasPrefix(o.isco, query.isco)) {
            any = true;
            break;
          }
        }
      }
      if (!any) return;
    }
    // A must-have skill outside the hot set is checked against the
    // candidate's skill list first (cheaper than the full view), then any
    // other rule the screen left open against the full view.
    if (cold && missing_stops && Evaluator::ColdMustHaveMissing(st.skills.Get(s), *plan)) return;
    if (undecided && (evaluator.CandidateFailures(st.View(s), vacancy, world) & ~allowed) != 0) {
      return;
    }
    ++result.eligible_count;

    if (heap.size() == k) {
      const Ranked& worst = heap.front();
      auto cannot_enter = [&](int64_t bound) {
        return bound < worst.score ||
               (bound == worst.score && !RanksBefore(bound, st.registered[s], st.IdOf(s),
                                                     worst.score, worst.registered, worst.id));
      };
      if (below || Evaluator::QuickScoreBoundMicros(sum, *plan) < worst.score) return;
      const CandidateScreen screen = columns.Screen(i);
      if (cannot_enter(Evaluator::ScoreBoundMicros(screen, sum, *plan))) return;
      if (cannot_enter(evaluator.SkillScoreBoundMicros(screen, sum, st.skills.Get(s), *plan))) {
        return;
      }
    }

    CandidateView view = st.View(s);
    Verdict verdict = evaluator.Evaluate(view, vacancy, world);
    if ((verdict.failures & ~allowed) != 0) {
      // Cannot happen (the same rules decided above); kept as a guard.
      --result.eligible_count;
      return;
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
  };

  // Until the top k is full there is no threshold and the screen hands back
  // every candidate of the block it passes. Those are considered best screen
  // bound first: the first k evaluated are then among the block's best, so
  // the threshold starts high and later blocks hand back few. Once the top
  // k is full, a candidate whose bound is below the k-th score is only
  // counted (when the screen decided its rules).
  struct Held {
    int64_t bound;
    uint32_t position;
    uint32_t flags;
  };
  std::vector<Held> held;
  held.reserve(kBlock);
  auto consider_held = [&](const State::Shard& shard, const CandidateColumns& columns) {
    std::sort(held.begin(), held.end(), [](const Held& a, const Held& b) {
      return a.bound != b.bound ? a.bound > b.bound : a.position < b.position;
    });
    for (const Held& h : held) {
      if (heap.size() == k && h.bound < heap.front().score) {
        if (h.flags == 0 && query.isco.digits == 0) {
          ++result.eligible_count;
          continue;
        }
        consider(shard, columns, h.position, h.flags | Evaluator::kScreenBelowThreshold);
        continue;
      }
      consider(shard, columns, h.position, h.flags);
    }
    held.clear();
  };

  size_t visited = 0;
  size_t next_deadline_check = kDeadlineCheckEvery;
  // Positions (in the current block) that the summary screen passes.
  std::array<uint32_t, kBlock> passed;
  for (const auto& [terms, shard_ids] : lists) {
    // Every rule and the score bound come from the Evaluator: first from the
    // candidates' screens and summaries (screened a block at a time, in
    // posting order), then, only when they cannot decide a rule, from the
    // full view (CandidateFailures); Evaluate runs only for candidates whose
    // score bounds can enter the top k.
    plan = plan.has_value() ? evaluator.PlanScanLike(*plan, vacancy, world, terms, st.hot)
                            : evaluator.PlanScan(vacancy, world, terms, st.hot);
    for (const uint32_t shard_id : *shard_ids) {
      const State::Shard& shard = st.shards[shard_id];
      const size_t size = shard.columns.size();
      if (size == 0) continue;
      // The shard's availability slice: nobody in it can be eligible, or
      // everybody passes that rule, or it depends on the candidate.
      const Evaluator::WindowsVerdict windows = Evaluator::WindowsInRange(
          *plan, shard.from_min, shard.from_max, shard.until_min, shard.until_max);
      if (windows == Evaluator::WindowsVerdict::kAllFail && window_stops) continue;
      Evaluator::ListFacts facts;
      facts.windows_pass = windows == Evaluator::WindowsVerdict::kAllPass;
      facts.agencies_pass = Evaluator::AgenciesValid(*plan, shard.columns.agencies());
      const CandidateColumns columns = shard.columns.view();
      for (size_t base = 0; base < size; base += kBlock) {
        const size_t len = std::min(kBlock, size - base);
        visited += len;
        if (visited >= next_deadline_check) {
          next_deadline_check = visited + kDeadlineCheckEvery;
          if (absl::Now() > query.deadline) {
            return absl::DeadlineExceededError("shortlist deadline passed during the scan");
          }
        }
        // The k-th best score so far: thresholds only rise, so a bound below
        // it stays below for the whole block.
        const int64_t threshold = heap.size() == k ? heap.front().score : INT64_MIN;
        // Candidates the screen decides and bounds below the threshold are
        // only counted there, unless the occupation filter must see every
        // candidate first.
        size_t below_count = 0;
        const size_t n_passed = Evaluator::ScreenBlock(
            columns.From(base), len, *plan, facts,
            [&st, &shard, base](size_t i) { return st.IdOf(shard.columns.slot(base + i)); },
            ~allowed, threshold, passed.data(),
            query.isco.digits == 0 ? &below_count : nullptr);
        result.eligible_count += static_cast<int64_t>(below_count);
        const bool hold = heap.size() < k;
        for (size_t j = 0; j < n_passed; ++j) {
          const size_t i = base + (passed[j] & ~Evaluator::kScreenFlags);
          const uint32_t flags = passed[j] & Evaluator::kScreenFlags;
          if (hold) {
            held.push_back(Held{Evaluator::ScreenBoundMicros(columns, i, *plan),
                                static_cast<uint32_t>(i), flags});
          } else {
            consider(shard, columns, i, flags);
          }
        }
        if (hold) consider_held(shard, columns);
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
