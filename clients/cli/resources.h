#ifndef CORRIDOR_CLIENTS_CLI_RESOURCES_H_
#define CORRIDOR_CLIENTS_CLI_RESOURCES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cli/connection.h"
#include "clients/cli/output.h"

namespace corridor::cli {

// The resources the CRUD commands manage.
enum class ResourceKind { kAgencies, kEmployers, kCandidates, kVacancies, kAgreements, kQuotaCells };

struct CreateArgs {
  // JSON file holding one resource; "-" is standard input.
  std::string file;
  // The new resource's id; default: the id in the file's "name", if any.
  std::string id;
  std::string request_id;
  // Quota cells: the agreement ("agreements/a" or "a").
  std::string agreement;
};

struct ListArgs {
  std::string filter;
  // 0 lets the server choose (50).
  int page_size = 0;
  std::string page_token;
  // Follow next_page_token to the end.
  bool all = false;
  std::string agreement;
};

struct UpdateArgs {
  // JSON file holding the resource; its "name" selects it.
  std::string file;
  // Field paths to replace (snake_case or lowerCamelCase); empty: all.
  std::vector<std::string> mask;
  // Overrides the file's etag when set.
  std::string etag;
};

struct NameArgs {
  // A resource name, or a bare id (the collection is added; quota cells
  // also need `agreement`).
  std::string name;
  std::string etag;
  std::string agreement;
};

// Each runs one command, prints its result (table or proto JSON) to io.out
// and errors to io.err, and returns the exit code: 0, 1 for an RPC or file
// error.
int RunCreate(ResourceKind kind, const Connection& connection, const Io& io,
              const CreateArgs& args);
int RunGet(ResourceKind kind, const Connection& connection, const Io& io, const NameArgs& args);
int RunList(ResourceKind kind, const Connection& connection, const Io& io, const ListArgs& args);
int RunUpdate(ResourceKind kind, const Connection& connection, const Io& io,
              const UpdateArgs& args);
int RunDelete(ResourceKind kind, const Connection& connection, const Io& io,
              const NameArgs& args);

// Reads a whole file ("-": standard input). NOT_FOUND when it cannot be read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// "x" -> "<collection>/x"; a name already holding a '/' is returned as is.
std::string QualifiedName(const std::string& collection, const std::string& name);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_RESOURCES_H_
