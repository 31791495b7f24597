#include "matcher/match_world.h"

#include <algorithm>
#include <string>
#include <utility>

#include "storage/record_store.h"

namespace corridor::matcher {
namespace {

absl::string_view LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

// Every record of one store, page by page.
template <typename T>
absl::StatusOr<std::vector<T>> ReadAll(const storage::RecordStore<T>& store) {
  std::vector<T> out;
  storage::ListQuery query;
  query.scope = "matcher/match_world";
  query.page_size = storage::kMaxPageSize;
  while (true) {
    absl::StatusOr<storage::Page<T>> page = store.List(query);
    if (!page.ok()) return page.status();
    for (T& item : page->items) out.push_back(std::move(item));
    if (page->next_page_token.empty()) break;
    query.page_token = page->next_page_token;
  }
  return out;
}

}  // namespace

CompiledAgreement CompileAgreement(const v1::Agreement& a, Interner& interner) {
  CompiledAgreement c;
  c.id = std::string(LastSegment(a.name()));
  c.interned = interner.Intern(c.id);
  for (const std::string& d : a.destinations()) c.destinations.push_back(PackCountry(d));
  for (const std::string& o : a.origins()) c.origins.push_back(PackCountry(o));
  for (int s : a.schemes()) {
    if (s > 0 && s < 8) c.schemes |= static_cast<uint8_t>(1u << s);
  }
  for (const std::string& p : a.occupation_scope()) c.occupation_scope.push_back(ParseIsco(p));
  c.in_force_from = a.has_in_force_from() ? ToDay(a.in_force_from()) : kNoDay;
  c.expiry = a.has_expiry_date() ? ToDay(a.expiry_date()) : kNoDay;
  for (const v1::ProtectedOccupation& p : a.protected_occupations()) {
    c.protected_occupations.push_back(CompiledAgreement::Protection{
        PackCountry(p.origin()), ParseIsco(p.isco_prefix()), p.mode(), p.separate_cap_cell()});
  }
  c.reentry_policy = a.reentry_policy();
  c.not_returned_ineligible = a.not_returned_ineligible();
  c.labour_market_test_required = a.labour_market_test_required();
  c.weights = a.score_weights();
  const v1::ScoreWeights& w = a.score_weights();
  c.has_weights = w.skill_coverage() != 0 || w.occupation_fit() != 0 || w.experience() != 0 ||
                  w.language_margin() != 0 || w.education() != 0 ||
                  w.verified_credentials() != 0 || w.reentry_credit() != 0 ||
                  w.preference_fit() != 0;
  return c;
}

CompiledCell CompileCell(const v1::QuotaCell& cell) {
  CompiledCell c;
  absl::string_view name = cell.name();
  constexpr absl::string_view kCells = "/quotaCells/";
  const size_t at = name.find(kCells);
  if (at != absl::string_view::npos) {
    c.agreement_id = std::string(LastSegment(name.substr(0, at)));
    c.id = std::string(name.substr(at + kCells.size()));
  } else {
    c.id = std::string(LastSegment(name));
  }
  c.parent = cell.parent();
  c.overflow = cell.overflow_cell();
  if (cell.has_period()) {
    c.from = ToDay(cell.period().start());
    c.until = ToDay(cell.period().end());
  }
  c.destination = PackCountry(cell.destination());
  c.origin = PackCountry(cell.origin());
  c.prefix = ParseIsco(cell.isco_prefix());
  c.scheme = static_cast<uint8_t>(cell.scheme());
  c.cap = cell.cap();
  c.used = cell.reserved() + cell.committed();
  return c;
}

bool AgencyLicenceValid(const v1::Agency& agency, Day today) {
  if (agency.licence_status() != v1::LICENCE_STATUS_VALID) return false;
  if (!agency.has_licence_expiry()) return false;
  const Day expiry = ToDay(agency.licence_expiry());
  return expiry != kNoDay && expiry >= today;
}

MatchWorld BuildMatchWorld(const std::vector<v1::Agreement>& agreements,
                           const std::vector<v1::QuotaCell>& cells,
                           const std::vector<v1::Agency>& agencies,
                           const std::vector<v1::Application>& applications,
                           Interner& interner, Day today) {
  MatchWorld world;
  world.today = today;
  world.agreements.reserve(agreements.size());
  for (const v1::Agreement& a : agreements) world.agreements.push_back(CompileAgreement(a, interner));
  std::sort(world.agreements.begin(), world.agreements.end(),
            [](const CompiledAgreement& a, const CompiledAgreement& b) { return a.id < b.id; });
  for (const v1::QuotaCell& cell : cells) {
    CompiledCell c = CompileCell(cell);
    world.cells[c.agreement_id].push_back(std::move(c));
  }
  for (auto& [id, list] : world.cells) {
    std::sort(list.begin(), list.end(),
              [](const CompiledCell& a, const CompiledCell& b) { return a.id < b.id; });
  }
  for (const v1::Agency& agency : agencies) {
    world.agency_licence_valid[interner.Intern(LastSegment(agency.name()))] =
        AgencyLicenceValid(agency, today);
  }
  for (const v1::Application& app : applications) {
    if (app.state() >= v1::APPLICATION_STATE_SELECTED &&
        app.state() <= v1::APPLICATION_STATE_DEPLOYED) {
      world.placed_candidates.insert(std::string(LastSegment(app.candidate())));
    }
  }
  return world;
}

absl::StatusOr<MatchWorld> LoadMatchWorld(
    storage::Stores& stores, Interner& interner, Day today,
    const std::function<void(v1::QuotaCell&)>& fill_usage) {
  absl::StatusOr<std::vector<v1::Agreement>> agreements = ReadAll(stores.agreements);
  if (!agreements.ok()) return agreements.status();
  absl::StatusOr<std::vector<v1::QuotaCell>> cells = ReadAll(stores.quota_cells);
  if (!cells.ok()) return cells.status();
  if (fill_usage) {
    for (v1::QuotaCell& cell : *cells) fill_usage(cell);
  }
  absl::StatusOr<std::vector<v1::Agency>> agencies = ReadAll(stores.agencies);
  if (!agencies.ok()) return agencies.status();
  absl::StatusOr<std::vector<v1::Application>> applications = ReadAll(stores.applications);
  if (!applications.ok()) return applications.status();
  return BuildMatchWorld(*agreements, *cells, *agencies, *applications, interner, today);
}

}  // namespace corridor::matcher
