#include "server/status.h"

#include <iostream>
#include <string>

namespace corridor::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      std::cerr << "corridord: internal error: " << status << std::endl;
      return grpc::Status(code, "internal error; the server log has the details");
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

}  // namespace corridor::server
