#ifndef CORRIDOR_COMMON_STATUS_MACROS_H_
#define CORRIDOR_COMMON_STATUS_MACROS_H_

// Small local status macros: Abseil 20220623 (Debian 12) ships none.
// Written with do/while and no GNU statement expressions.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CORRIDOR_STATUS_CONCAT_INNER_(a, b) a##b
#define CORRIDOR_STATUS_CONCAT_(a, b) CORRIDOR_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define CORRIDOR_RETURN_IF_ERROR(expr)        \
  do {                                        \
    ::absl::Status corridor_status_ = (expr); \
    if (!corridor_status_.ok()) return corridor_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, else
// moves the value into `lhs`, which may be a declaration ("Foo x").
#define CORRIDOR_ASSIGN_OR_RETURN(lhs, rexpr) \
  CORRIDOR_ASSIGN_OR_RETURN_IMPL_(            \
      CORRIDOR_STATUS_CONCAT_(corridor_statusor_, __LINE__), lhs, rexpr)

#define CORRIDOR_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // CORRIDOR_COMMON_STATUS_MACROS_H_
