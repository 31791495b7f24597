#include "server/authz.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/resource_name.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/ledger_service.pb.h"
#include "corridor/v1/application_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"

namespace corridor::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status Denied() {
  return absl::PermissionDeniedError(
      "the caller may not do this, or the resource does not exist");
}

// The string values at a dotted path of `message` (one for a singular field,
// all elements for a repeated one). Empty when the path does not resolve.
std::vector<std::string> ValuesAt(const Message& message, absl::string_view path) {
  const Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (f == nullptr) return {};
    const auto* reflection = current->GetReflection();
    if (i + 1 < parts.size()) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) return {};
      current = &reflection->GetMessage(*current, f);
      continue;
    }
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return {};
    if (!f->is_repeated()) return {reflection->GetString(*current, f)};
    std::vector<std::string> out;
    for (int j = 0; j < reflection->FieldSize(*current, f); ++j) {
      out.push_back(reflection->GetRepeatedString(*current, f, j));
    }
    return out;
  }
  return {};
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool Authorizer::Allows(const Principal& who, Rule rule, const Message& record) const {
  if (who.role == Role::kOperator) return true;
  const std::string& type = record.GetDescriptor()->full_name();
  const bool agency = who.role == Role::kAgency;
  const bool employer = who.role == Role::kEmployer;
  const bool ministry = who.role == Role::kMinistry;
  switch (rule) {
    case Rule::kNever:
      return false;
    case Rule::kAlways:
      return true;
    case Rule::kTenantInField:
      return false;  // Decided on the request, not on a record.
    case Rule::kOwner:
    case Rule::kCountry:
      if (type == "corridor.v1.Agency") {
        const auto& a = static_cast<const v1::Agency&>(record);
        return rule == Rule::kOwner ? agency && a.name() == AgencyName(who.tenant)
                                    : ministry && a.country() == who.tenant;
      }
      if (type == "corridor.v1.Employer") {
        const auto& e = static_cast<const v1::Employer&>(record);
        return rule == Rule::kOwner ? employer && e.name() == EmployerName(who.tenant)
                                    : ministry && e.country() == who.tenant;
      }
      if (type == "corridor.v1.Candidate") {
        const auto& c = static_cast<const v1::Candidate&>(record);
        return rule == Rule::kOwner ? agency && c.agency() == AgencyName(who.tenant)
                                    : ministry && c.nationality() == who.tenant;
      }
      if (type == "corridor.v1.Vacancy") {
        const auto& v = static_cast<const v1::Vacancy&>(record);
        return rule == Rule::kOwner ? employer && v.employer() == EmployerName(who.tenant)
                                    : ministry && v.destination() == who.tenant;
      }
      if (type == "corridor.v1.Application") {
        const auto& a = static_cast<const v1::Application&>(record);
        // An application belongs to its candidate's agency and its vacancy's
        // employer; ministries see their nationals' and their destination's.
        if (agency || (ministry && rule == Rule::kCountry)) {
          if (AllowsName(who, rule, a.candidate())) return true;
        }
        if (employer || (ministry && rule == Rule::kCountry)) {
          if (AllowsName(who, rule, a.vacancy())) return true;
        }
        return false;
      }
      return false;
    case Rule::kParty:
    case Rule::kDestinationParty: {
      if (!ministry) return false;
      if (type == "corridor.v1.Reservation") {
        // A reservation belongs to the parties of its cell's agreement.
        return AllowsName(who, rule, static_cast<const v1::Reservation&>(record).quota_cell());
      }
      if (type == "corridor.v1.Agreement") {
        const auto& a = static_cast<const v1::Agreement&>(record);
        return Contains(a.destinations(), who.tenant) ||
               (rule == Rule::kParty && Contains(a.origins(), who.tenant));
      }
      return false;
    }
  }
  return false;
}

bool Authorizer::AllowsName(const Principal& who, Rule rule, absl::string_view name) const {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || !IsValidResourceId(parts[1])) return false;
  std::string id(parts[1]);
  absl::string_view collection = parts[0];
  if (collection == "agreements" && (parts.size() == 2 || parts.size() == 4)) {
    absl::StatusOr<v1::Agreement> a = registry_.agreements().Get(id);
    return a.ok() && Allows(who, rule, *a);
  }
  if (parts.size() != 2) return false;
  if (collection == "agencies") {
    // Ownership of one's own record needs no read.
    if (rule == Rule::kOwner) return who.role == Role::kAgency && who.tenant == id;
    absl::StatusOr<v1::Agency> r = registry_.agencies().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "employers") {
    if (rule == Rule::kOwner) return who.role == Role::kEmployer && who.tenant == id;
    absl::StatusOr<v1::Employer> r = registry_.employers().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "candidates") {
    absl::StatusOr<v1::Candidate> r = registry_.candidates().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "vacancies") {
    absl::StatusOr<v1::Vacancy> r = registry_.vacancies().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "applications") {
    absl::StatusOr<v1::Application> r = registry_.applications().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "reservations") {
    absl::StatusOr<v1::Reservation> r = registry_.reservations().Get(id);
    return r.ok() && Allows(who, rule, *r);
  }
  if (collection == "allocationRounds") {
    // A round belongs to the parties of its agreement.
    absl::StatusOr<v1::AllocationRound> r = registry_.stores().allocation_rounds.Get(id);
    return r.ok() && AllowsName(who, rule, r->agreement());
  }
  return false;
}

absl::Status Authorizer::Check(const Principal& who, absl::string_view method,
                               const Message& request) const {
  const MethodPolicy* policy = FindPolicy(method);
  if (who.role == Role::kOperator) {
    return policy == nullptr || policy->operator_allowed ? absl::OkStatus() : Denied();
  }
  if (policy == nullptr) return Denied();
  const Grant& grant = who.role == Role::kAgency     ? policy->agency
                       : who.role == Role::kEmployer ? policy->employer
                                                     : policy->ministry;
  switch (grant.rule) {
    case Rule::kNever:
      return Denied();
    case Rule::kAlways:
      return absl::OkStatus();
    case Rule::kTenantInField: {
      std::vector<std::string> values = ValuesAt(request, grant.field);
      bool found = std::find(values.begin(), values.end(), who.tenant) != values.end();
      return found ? absl::OkStatus() : Denied();
    }
    default:
      break;
  }
  if (grant.field.empty()) return absl::OkStatus();  // A List, confined later.
  std::vector<std::string> names = ValuesAt(request, grant.field);
  if (names.size() != 1 || !AllowsName(who, grant.rule, names[0])) return Denied();
  return absl::OkStatus();
}

void Authorizer::Confine(const Principal& who, absl::string_view method,
                         matcher::ListParams& params) const {
  if (who.role == Role::kOperator) return;
  const MethodPolicy* policy = FindPolicy(method);
  if (policy == nullptr) return;
  const Grant& grant = who.role == Role::kAgency     ? policy->agency
                       : who.role == Role::kEmployer ? policy->employer
                                                     : policy->ministry;
  if (grant.rule == Rule::kAlways || !grant.field.empty()) return;
  // Index-backed confinements for the large collections.
  if (method == "/corridor.v1.CandidateService/ListCandidates" && who.role == Role::kAgency) {
    params.confine.push_back({"agency", who.tenant});
  } else if (method == "/corridor.v1.VacancyService/ListVacancies") {
    params.confine.push_back(who.role == Role::kEmployer
                                 ? matcher::FilterTerm{"employer", who.tenant}
                                 : matcher::FilterTerm{"destination", who.tenant});
  }
  // Every record is still checked against the rule itself.
  Principal principal = who;
  Rule rule = grant.rule;
  params.confine_predicate = [this, principal, rule](const Message& record) {
    return Allows(principal, rule, record);
  };
  params.confine_key = absl::StrCat(principal.ToString(), "/", static_cast<int>(rule));
}

}  // namespace corridor::server
