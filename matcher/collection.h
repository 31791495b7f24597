#ifndef CORRIDOR_MATCHER_COLLECTION_H_
#define CORRIDOR_MATCHER_COLLECTION_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/resource_name.h"
#include "common/status_macros.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "matcher/filter.h"
#include "storage/keys.h"
#include "storage/record_store.h"

namespace corridor::matcher {

// Who is calling which method: binds idempotency records and page tokens to
// the caller, so one tenant never sees another's stored reply or replays
// another's page token.
struct CallContext {
  // Principal::ToString() of the authenticated caller.
  std::string principal;
  // Full gRPC method name, e.g. "/corridor.v1.CandidateService/CreateCandidate".
  std::string method;
};

// A list request after authorisation has confined it.
struct ListParams {
  // The caller's AIP-160 filter.
  std::string filter;
  int32_t page_size = 0;
  std::string page_token;
  // Equalities the caller is confined to (ANDed with the filter), e.g.
  // agency = <own id>. Set by authorisation, never by the caller.
  std::vector<FilterTerm> confine;
  // A further condition from authorisation, e.g. "the ministry is a party".
  std::function<bool(const google::protobuf::Message&)> confine_predicate;
  // Names confine_predicate in page-token scopes (e.g. "party:ES").
  std::string confine_key;
};

// A field a collection can be filtered on.
struct FilterField {
  std::string name;
  // The storage index holding this field, or empty for a scan with a predicate.
  std::string index;
  // The record's values of the field (several for repeated fields).
  std::function<std::vector<std::string>(const google::protobuf::Message&)> values;
};

// What distinguishes one collection from another.
template <typename T>
struct CollectionSpec {
  // Collection id in resource names and token scopes ("candidates").
  std::string collection;
  // Field name of the resource in requests ("candidate"): error-path prefix.
  std::string field;
  // Resource name of a storage key.
  std::function<std::string(absl::string_view key)> name_of;
  // Top-level fields an Update may replace.
  std::vector<std::string> mutable_fields;
  std::vector<FilterField> filters;
  // Full validation of a resource about to be written.
  std::function<absl::Status(const T&)> validate;
};

// Makes a fresh id for a resource: a letter followed by 15 characters of
// [a-z0-9]. Thread-safe.
std::string NewResourceId(char prefix);

// The id a Create uses: `requested` when set (INVALID_ARGUMENT naming `field`
// when malformed), else a fresh one.
absl::StatusOr<std::string> ChooseResourceId(absl::string_view requested, char prefix,
                                             absl::string_view field);

// Standard methods (AIP-131..135) over one kind of record. The domain rules
// that differ between kinds come in through the CollectionSpec; rules that
// span kinds (referential checks, the quota-cell tree) live in Registry.
// Thread-safe; the store must outlive this object.
template <typename T>
class Collection {
 public:
  Collection(storage::RecordStore<T>& store, CollectionSpec<T> spec)
      : store_(store), spec_(std::move(spec)) {}

  const CollectionSpec<T>& spec() const { return spec_; }

  // Tells `on_written` about every successful write (the stored record) and
  // `on_deleted` about every delete (the key), e.g. to keep the candidate
  // index in step. Call before the collection is shared between threads.
  void Observe(std::function<void(const T&)> on_written,
               std::function<void(absl::string_view key)> on_deleted) {
    on_written_ = std::move(on_written);
    on_deleted_ = std::move(on_deleted);
  }
  storage::RecordStore<T>& store() const { return store_; }

  // NOT_FOUND when absent.
  absl::StatusOr<T> Get(absl::string_view key) const {
    absl::StatusOr<T> r = store_.Get(key);
    if (absl::IsNotFound(r.status())) {
      return absl::NotFoundError(absl::StrCat(spec_.name_of(key), " not found"));
    }
    return r;
  }

  // Clears output-only fields, names the resource, validates and stores it.
  // `request` is the whole Create request, fingerprinted for idempotency when
  // request_id is set. Errors: INVALID_ARGUMENT, ALREADY_EXISTS,
  // FAILED_PRECONDITION (request_id reused with another request).
  absl::StatusOr<T> Create(const CallContext& call, const google::protobuf::Message& request,
                           absl::string_view request_id, absl::string_view key, T resource) const {
    storage::Idempotency idem;
    const storage::Idempotency* idem_ptr = nullptr;
    if (!request_id.empty()) {
      if (!IsValidRequestId(request_id)) {
        return absl::InvalidArgumentError(
            "request_id: must be 1..64 characters of [A-Za-z0-9_-]");
      }
      idem.key = storage::IdempotencyKey(call.principal, call.method, request_id);
      idem.request_hash = storage::RequestFingerprint(request);
      idem_ptr = &idem;
    }
    ClearOutputOnly(resource);
    resource.set_name(spec_.name_of(key));
    CORRIDOR_RETURN_IF_ERROR(spec_.validate(resource));
    absl::StatusOr<T> created = store_.Create(key, std::move(resource), idem_ptr);
    if (absl::IsAlreadyExists(created.status())) {
      return absl::AlreadyExistsError(
          absl::StrCat(spec_.name_of(key), " already exists"));
    }
    if (created.ok()) Written(*created);
    return created;
  }

  // Replaces the fields named in `mask` (all mutable fields when empty) with
  // those of `patch`, validates the result with `check` (when given) and the
  // spec, and writes it. patch.etag(), when set, must match. Errors:
  // INVALID_ARGUMENT (mask names an unknown or immutable field, or the result
  // is invalid), ABORTED (stale etag), NOT_FOUND.
  absl::StatusOr<T> Update(absl::string_view key, const T& patch,
                           const google::protobuf::FieldMask& mask,
                           const std::function<absl::Status(const T& before, const T& after)>&
                               check = nullptr) const {
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    CORRIDOR_RETURN_IF_ERROR(MaskFields(mask, fields));
    absl::StatusOr<T> updated = store_.Mutate(key, patch.etag(), [&](T& stored) {
      T before = stored;
      T source = patch;
      stored.GetReflection()->SwapFields(&source, &stored, fields);
      if (check) CORRIDOR_RETURN_IF_ERROR(check(before, stored));
      return spec_.validate(stored);
    });
    if (absl::IsNotFound(updated.status())) {
      return absl::NotFoundError(absl::StrCat(spec_.name_of(key), " not found"));
    }
    if (updated.ok()) Written(*updated);
    return updated;
  }

  // Deletes a record. NOT_FOUND, ABORTED (stale etag).
  absl::Status Delete(absl::string_view key, absl::string_view etag) const {
    absl::Status s = store_.Delete(key, etag);
    if (absl::IsNotFound(s)) {
      return absl::NotFoundError(absl::StrCat(spec_.name_of(key), " not found"));
    }
    if (s.ok() && on_deleted_) on_deleted_(key);
    return s;
  }


  // Tells the observer about a record written outside Create/Update (bulk
  // import writes through the store directly).
  void Written(const T& record) const {
    if (on_written_) on_written_(record);
  }

  // Lists records matching the filter and the confinement, in key order.
  // `key_prefix` restricts to keys with that prefix (children of a parent).
  absl::StatusOr<storage::Page<T>> List(const CallContext& call, const ListParams& params,
                                        absl::string_view key_prefix = "") const {
    std::vector<std::string> allowed;
    for (const FilterField& f : spec_.filters) allowed.push_back(f.name);
    CORRIDOR_ASSIGN_OR_RETURN(std::vector<FilterTerm> terms,
                              ParseFilter(params.filter, allowed));
    std::vector<FilterTerm> all = terms;
    all.insert(all.end(), params.confine.begin(), params.confine.end());

    storage::ListQuery query;
    query.scope = absl::StrCat(spec_.collection, "\n", call.principal, "\n", key_prefix, "\n",
                               CanonicalFilter(terms), "\n", CanonicalFilter(params.confine),
                               "\n", params.confine_key);
    query.page_size = params.page_size;
    query.page_token = params.page_token;
    query.id_prefix = std::string(key_prefix);
    // Use the first indexed term to narrow the scan; check the rest per record.
    std::vector<std::pair<const FilterField*, std::string>> checks;
    for (const FilterTerm& t : all) {
      const FilterField* field = FindFilter(t.field);
      if (field == nullptr) {
        return absl::InternalError(absl::StrCat("confined on unknown field ", t.field));
      }
      if (!query.index.has_value() && !field->index.empty() && key_prefix.empty()) {
        query.index = storage::IndexEntry{field->index, t.value};
      } else {
        checks.emplace_back(field, t.value);
      }
    }
    auto confine_predicate = params.confine_predicate;
    query.predicate = [checks, confine_predicate](const google::protobuf::Message& m) {
      for (const auto& [field, value] : checks) {
        std::vector<std::string> values = field->values(m);
        if (std::find(values.begin(), values.end(), value) == values.end()) return false;
      }
      return !confine_predicate || confine_predicate(m);
    };
    return store_.List(query);
  }

 private:
  const FilterField* FindFilter(absl::string_view name) const {
    for (const FilterField& f : spec_.filters) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }

  absl::Status MaskFields(const google::protobuf::FieldMask& mask,
                          std::vector<const google::protobuf::FieldDescriptor*>& out) const {
    const google::protobuf::Descriptor* d = T::descriptor();
    if (mask.paths_size() == 0) {
      for (const std::string& f : spec_.mutable_fields) out.push_back(d->FindFieldByName(f));
      return absl::OkStatus();
    }
    if (mask.paths_size() > 64) {
      return absl::InvalidArgumentError("update_mask: more than 64 paths");
    }
    for (const std::string& path : mask.paths()) {
      if (std::find(spec_.mutable_fields.begin(), spec_.mutable_fields.end(), path) ==
          spec_.mutable_fields.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "update_mask: \"", path.substr(0, 64), "\" is not an updatable field of ",
            spec_.field));
      }
      const google::protobuf::FieldDescriptor* f = d->FindFieldByName(path);
      if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    }
    return absl::OkStatus();
  }

  static void ClearOutputOnly(T& resource) {
    resource.clear_etag();
    resource.clear_create_time();
    resource.clear_update_time();
  }

  storage::RecordStore<T>& store_;
  CollectionSpec<T> spec_;
  std::function<void(const T&)> on_written_;
  std::function<void(absl::string_view key)> on_deleted_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_COLLECTION_H_
