#ifndef CORRIDOR_COMMON_IDS_H_
#define CORRIDOR_COMMON_IDS_H_

#include <string>
#include <utility>

namespace corridor {

// A strong id type: the {id} segment of a resource name. Distinct tags keep a
// CandidateId from being passed where a VacancyId is expected. Values are not
// validated here; resource_name.h parses and validates them at the API seam.
template <typename Tag>
class Id {
 public:
  Id() = default;
  explicit Id(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const Id& a, const Id& b) { return a.value_ == b.value_; }
  friend bool operator!=(const Id& a, const Id& b) { return a.value_ != b.value_; }
  friend bool operator<(const Id& a, const Id& b) { return a.value_ < b.value_; }
  template <typename H>
  friend H AbslHashValue(H h, const Id& id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  std::string value_;
};

using AgencyId = Id<struct AgencyTag>;
using EmployerId = Id<struct EmployerTag>;
using CandidateId = Id<struct CandidateTag>;
using VacancyId = Id<struct VacancyTag>;
using AgreementId = Id<struct AgreementTag>;
using ApplicationId = Id<struct ApplicationTag>;

}  // namespace corridor

#endif  // CORRIDOR_COMMON_IDS_H_
