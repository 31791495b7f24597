#ifndef CORRIDOR_TESTS_CLIENTS_FAKE_APPLICATION_SERVICE_H_
#define CORRIDOR_TESTS_CLIENTS_FAKE_APPLICATION_SERVICE_H_

// An in-process stand-in for corridord's ApplicationService, enough to
// exercise `corridor applications ...`: it records every request, keeps
// applications in a map and applies each change naively (no lifecycle
// rules), and plays scripted WatchApplications sessions. No ports.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "corridor/v1/application_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace corridor::cli::testing {

// One scripted WatchApplications call: the messages to send, then either the
// status to end with or, when `hold` is set, wait until the client cancels.
struct WatchSession {
  std::vector<v1::WatchApplicationsResponse> messages;
  grpc::Status end = grpc::Status::OK;
  bool hold = false;
};

inline v1::WatchApplicationsResponse Checkpoint(const std::string& cursor) {
  v1::WatchApplicationsResponse r;
  r.set_cursor(cursor);
  return r;
}

inline v1::WatchApplicationsResponse Event(const std::string& application,
                                           v1::ApplicationState from, v1::ApplicationState to,
                                           const std::string& cursor) {
  v1::WatchApplicationsResponse r;
  r.set_application(application);
  r.mutable_event()->set_from_state(from);
  r.mutable_event()->set_to_state(to);
  r.mutable_event()->set_actor("agency:ag-co");
  r.mutable_event()->mutable_time()->set_seconds(1803859200);  // 2027-03-01T00:00:00Z
  r.set_cursor(cursor);
  return r;
}

class FakeApplicationService final : public v1::ApplicationService::Service {
 public:
  grpc::Status CreateApplication(grpc::ServerContext*, const v1::CreateApplicationRequest* req,
                                 v1::Application* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    creates.push_back(*req);
    *resp = req->application();
    resp->set_name("applications/" +
                   (req->application_id().empty() ? std::string("a-new") : req->application_id()));
    if (resp->state() == v1::APPLICATION_STATE_UNSPECIFIED) {
      resp->set_state(v1::APPLICATION_STATE_SHORTLISTED);
    }
    stored[resp->name()] = *resp;
    return grpc::Status::OK;
  }

  grpc::Status GetApplication(grpc::ServerContext*, const v1::GetApplicationRequest* req,
                              v1::Application* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    ++gets;
    return Find(req->name(), resp);
  }

  // One application per page, in name order; the token is the next name.
  grpc::Status ListApplications(grpc::ServerContext*, const v1::ListApplicationsRequest* req,
                                v1::ListApplicationsResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    lists.push_back(*req);
    auto it = req->page_token().empty() ? stored.begin() : stored.find(req->page_token());
    if (it == stored.end()) return grpc::Status::OK;
    *resp->add_applications() = it->second;
    if (++it != stored.end()) resp->set_next_page_token(it->first);
    return grpc::Status::OK;
  }

  grpc::Status TransitionApplication(grpc::ServerContext*,
                                     const v1::TransitionApplicationRequest* req,
                                     v1::Application* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    transitions.push_back(*req);
    auto it = stored.find(req->name());
    if (it == stored.end()) return NotFound();
    it->second.set_state(req->to_state());
    *resp = it->second;
    return grpc::Status::OK;
  }

  grpc::Status RecordReturn(grpc::ServerContext*, const v1::RecordReturnRequest* req,
                            v1::Application* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    returns.push_back(*req);
    auto it = stored.find(req->name());
    if (it == stored.end()) return NotFound();
    it->second.set_return_outcome(req->outcome());
    *resp = it->second;
    return grpc::Status::OK;
  }

  grpc::Status RecordOriginConsent(grpc::ServerContext*, const v1::RecordOriginConsentRequest* req,
                                   v1::Application* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    consents.push_back(*req);
    auto it = stored.find(req->name());
    if (it == stored.end()) return NotFound();
    it->second.set_origin_consent(req->granted() ? v1::ORIGIN_CONSENT_GRANTED
                                                 : v1::ORIGIN_CONSENT_REFUSED);
    *resp = it->second;
    return grpc::Status::OK;
  }

  grpc::Status WatchApplications(
      grpc::ServerContext* context, const v1::WatchApplicationsRequest* req,
      grpc::ServerWriter<v1::WatchApplicationsResponse>* writer) override {
    WatchSession session;
    {
      std::lock_guard<std::mutex> lock(mu);
      const size_t n = watches.size();
      watches.push_back(*req);
      if (n < sessions.size())
        session = sessions[n];
      else
        session.hold = true;
    }
    for (const auto& m : session.messages) {
      if (!writer->Write(m)) return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
    }
    if (!session.hold) return session.end;
    while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }

  // Calls that reached the server, of any method.
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu);
    return creates.size() + static_cast<size_t>(gets) + lists.size() + transitions.size() +
           returns.size() + consents.size() + watches.size();
  }

  std::mutex mu;
  std::map<std::string, v1::Application> stored;
  std::vector<WatchSession> sessions;
  std::vector<v1::CreateApplicationRequest> creates;
  int gets = 0;
  std::vector<v1::ListApplicationsRequest> lists;
  std::vector<v1::TransitionApplicationRequest> transitions;
  std::vector<v1::RecordReturnRequest> returns;
  std::vector<v1::RecordOriginConsentRequest> consents;
  std::vector<v1::WatchApplicationsRequest> watches;

 private:
  grpc::Status Find(const std::string& name, v1::Application* out) {
    auto it = stored.find(name);
    if (it == stored.end()) return NotFound();
    *out = it->second;
    return grpc::Status::OK;
  }
  static grpc::Status NotFound() {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such application (fake)");
  }
};

// The service on an in-process server.
class FakeApplicationServer {
 public:
  FakeApplicationServer() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&applications);
    server_ = builder.BuildAndStart();
  }
  ~FakeApplicationServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::shared_ptr<grpc::Channel> Channel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  FakeApplicationService applications;

 private:
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace corridor::cli::testing

#endif  // CORRIDOR_TESTS_CLIENTS_FAKE_APPLICATION_SERVICE_H_
