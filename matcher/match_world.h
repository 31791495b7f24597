#ifndef CORRIDOR_MATCHER_MATCH_WORLD_H_
#define CORRIDOR_MATCHER_MATCH_WORLD_H_

// Building the MatchWorld (match_model.h) from stored records.

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/application_service.pb.h"
#include "matcher/match_model.h"
#include "storage/stores.h"

namespace corridor::matcher {

// An agreement as the rules read it. `id` is the {agreement} segment of its
// name; the agreement id is interned too (history entries refer to it).
CompiledAgreement CompileAgreement(const v1::Agreement& agreement, Interner& interner);

// A quota cell as the rules read it, with used = reserved + committed. The
// agreement and cell ids come from its name "agreements/{a}/quotaCells/{c}".
CompiledCell CompileCell(const v1::QuotaCell& cell);

// Licence valid on `today`: status VALID and licence_expiry >= today.
bool AgencyLicenceValid(const v1::Agency& agency, Day today);

// The world made of these records: every agreement (sorted by id), every
// cell (grouped by agreement, sorted by cell id), every agency's licence,
// and the candidates of applications in states SELECTED..DEPLOYED.
MatchWorld BuildMatchWorld(const std::vector<v1::Agreement>& agreements,
                           const std::vector<v1::QuotaCell>& cells,
                           const std::vector<v1::Agency>& agencies,
                           const std::vector<v1::Application>& applications,
                           Interner& interner, Day today);

// Reads every agreement, quota cell, agency and application from `stores`
// and builds the world as BuildMatchWorld does. Errors are the stores'
// (a failed scan is returned as is). Reads are not one snapshot: a record
// written during the load may or may not be seen.
// `fill_usage`, when set, sets each cell's reserved and committed counters
// (the ledger's live values) before the cell is compiled.
absl::StatusOr<MatchWorld> LoadMatchWorld(
    storage::Stores& stores, Interner& interner, Day today,
    const std::function<void(v1::QuotaCell&)>& fill_usage = nullptr);

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_MATCH_WORLD_H_
