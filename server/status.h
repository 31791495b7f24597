#ifndef CORRIDOR_SERVER_STATUS_H_
#define CORRIDOR_SERVER_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace corridor::server {

// The one conversion from absl::Status to grpc::Status, used once per
// handler. INTERNAL, UNKNOWN and DATA_LOSS details go to the log, never to the
// client, which gets a generic message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace corridor::server

#endif  // CORRIDOR_SERVER_STATUS_H_
