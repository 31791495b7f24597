#ifndef CORRIDOR_MATCHER_QUOTA_REPORT_H_
#define CORRIDOR_MATCHER_QUOTA_REPORT_H_

// Ministries' usage reports (DOMAIN.md section 9), computed by replaying the
// audit log up to a moment, so a report "as of" any past moment uses exactly
// what the log said then. Event times never decrease along the log (the
// AuditLog guarantees it), so the events up to a moment are a prefix.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "corridor/v1/audit_service.pb.h"
#include "storage/audit_log.h"
#include "storage/stores.h"

namespace corridor::matcher {

// The dimensions a report may group by.
inline constexpr const char* kReportDimensions[] = {
    "cell", "origin", "destination", "occupation", "scheme", "gender", "age_band"};

// Use of the cells of `agreement_id` as of `as_of`, grouped by `dimension`
// (empty means "cell"). Rows for other dimensions come from the reservation
// records' dimensions (fixed at reservation time). INVALID_ARGUMENT naming
// dimension; DATA_LOSS when the log does not replay.
absl::StatusOr<v1::QuotaUsageReport> BuildUsageReport(const storage::AuditLog& log,
                                                      storage::Stores& stores,
                                                      absl::string_view agreement_id,
                                                      absl::Time as_of,
                                                      absl::string_view dimension);

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_QUOTA_REPORT_H_
