#ifndef CORRIDOR_SERVER_AUTHZ_H_
#define CORRIDOR_SERVER_AUTHZ_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/principal.h"
#include "google/protobuf/message.h"
#include "matcher/collection.h"
#include "matcher/registry.h"
#include "server/policy.h"

namespace corridor::server {

// Enforces the policy table (policy.h) in one place, before any validation.
// A target that belongs to another tenant and one that does not exist get
// the same PERMISSION_DENIED, with the same message. Operators pass every
// check and see NOT_FOUND for missing targets from the core. Thread-safe; the
// registry must outlive this object.
class Authorizer {
 public:
  explicit Authorizer(matcher::Registry& registry) : registry_(registry) {}

  // OK when `who` may call `method` with `request`; PERMISSION_DENIED otherwise.
  absl::Status Check(const Principal& who, absl::string_view method,
                     const google::protobuf::Message& request) const;

  // Confines a List call to what `who` may see: adds index equalities where
  // one exists (an agency's candidates) and a per-record check otherwise.
  // Call only after Check allowed the call.
  void Confine(const Principal& who, absl::string_view method, matcher::ListParams& params) const;

  // Whether `who` may see `record` (a resource message) under `rule`.
  bool Allows(const Principal& who, Rule rule, const google::protobuf::Message& record) const;
  // The same for the resource named `name` ("agreements/a", ...); false when
  // it does not exist.
  bool AllowsName(const Principal& who, Rule rule, absl::string_view name) const;

 private:

  matcher::Registry& registry_;
};

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_AUTHZ_H_
