#ifndef CORRIDOR_MATCHER_VALIDATION_H_
#define CORRIDOR_MATCHER_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/clock.h"
#include "common/iso_codes.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"
#include "matcher/taxonomy.h"

namespace corridor::matcher {

// Checks resources against the rules their proto comments state: ISO country,
// language and currency codes, ISCO-08 codes known to the taxonomy, enums set
// and in range, dates real and ordered, strings valid UTF-8 without NUL or
// bidirectional controls and within their byte limits, repeated fields within
// their counts and without duplicates.
//
// Each Validate* returns OK or INVALID_ARGUMENT whose message starts with the
// offending field's path and a colon, e.g.
//   "candidate.languages[1].level: required"
// Output-only fields (name, etag, create_time, update_time, counters) are not
// checked. Fields the server fills in from the caller (candidate.agency,
// vacancy.employer, vacancy.destination) are checked only when present.
// Skill ids and ESCO occupation ids are checked for form only (ASCII
// charsets, so look-alike letters are rejected); an ESCO occupation the
// taxonomy knows must belong to the stated ISCO unit group. A candidate's age
// is the clock's current UTC year minus birth_year. Messages never repeat
// the offending value. Thread-safe; the references must outlive the Validator.
class Validator {
 public:
  Validator(const IsoCodes& iso, const Taxonomy& taxonomy, const Clock& clock);

  absl::Status ValidateAgency(const v1::Agency& agency) const;
  absl::Status ValidateEmployer(const v1::Employer& employer) const;
  absl::Status ValidateCandidate(const v1::Candidate& candidate) const;
  absl::Status ValidateVacancy(const v1::Vacancy& vacancy) const;
  absl::Status ValidateAgreement(const v1::Agreement& agreement) const;

  // Checks a cell against its agreement (destination and origin are parties,
  // scheme covered, occupation within scope, period overlapping the agreement's time in
  // force), its parent (slice and period inside the parent's; null for a
  // root) and its siblings (no two siblings overlap: two cells overlap when
  // their periods intersect and, on each of destination, origin, occupation
  // and scheme, one's value is "any" or covers the other's).
  //
  // Periods are calendar dates in the destination's legal calendar and carry
  // no time zone: a period is the same set of days wherever it is read, so a
  // yearly period never "straddles the new year" in another zone. Callers
  // that start from instants must convert them in the destination's zone.
  // `parent` must be the cell that cell.parent names (null only for a root;
  // a non-empty cell.parent with a null parent is INVALID_ARGUMENT).
  // `siblings` are the other cells with the same parent; an entry with the
  // cell's own name is skipped, so an update may pass every child. The
  // sibling error reads "quota_cell: overlaps its sibling cell <name> ...".
  // Set cell.name ("agreements/{a}/quotaCells/{c}") before calling when the
  // id is known: it is what the "not its own parent / overflow" checks and
  // the sibling skip compare against. `agreement` is assumed valid.
  absl::Status ValidateQuotaCell(const v1::QuotaCell& cell,
                                 const v1::Agreement& agreement,
                                 const v1::QuotaCell* parent,
                                 const std::vector<v1::QuotaCell>& siblings) const;

  // Free-text check shared by every message: valid UTF-8, no NUL, no
  // bidirectional override or isolate controls, 0..max_bytes (min 1 when
  // required). `field` names the field in the error.
  static absl::Status CheckText(const std::string& value, const std::string& field,
                                size_t max_bytes, bool required);

 private:
  const IsoCodes& iso_;
  const Taxonomy& taxonomy_;
  const Clock& clock_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_VALIDATION_H_
