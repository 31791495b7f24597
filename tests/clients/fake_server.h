#ifndef CORRIDOR_TESTS_CLIENTS_FAKE_SERVER_H_
#define CORRIDOR_TESTS_CLIENTS_FAKE_SERVER_H_

// An in-process stand-in for corridord's candidate, vacancy and agency
// services, enough to exercise the CLI: the import streams follow the batch
// semantics of candidate_service.proto (validate_only, skip_invalid,
// request_id replay) with a small validity rule; GetAgency answers from a
// map. No ports, no sleeps beyond what a test asks for.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "corridor/v1/agency_service.grpc.pb.h"
#include "corridor/v1/candidate_service.grpc.pb.h"
#include "corridor/v1/vacancy_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace corridor::cli::testing {

// What the server saw of one batch.
struct SeenBatch {
  bool validate_only = false;
  bool skip_invalid = false;
  std::string request_id;
  std::vector<int64_t> rows;
};

class FakeCandidateService final : public v1::CandidateService::Service {
 public:
  grpc::Status ImportCandidates(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::ImportCandidatesResponse, v1::ImportCandidatesRequest>* stream)
      override {
    v1::ImportCandidatesRequest req;
    ++streams;
    int in_this_stream = 0;
    while (stream->Read(&req)) {
      // Like corridord past its maximum call duration: the batch is not
      // applied and the stream ends.
      if (max_batches_per_stream > 0 && ++in_this_stream > max_batches_per_stream) {
        return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "maximum call duration (fake)");
      }
      SeenBatch seen;
      seen.validate_only = req.validate_only();
      seen.skip_invalid = req.skip_invalid();
      seen.request_id = req.request_id();
      for (const auto& row : req.rows()) seen.rows.push_back(row.row_number());
      int write_batches = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        batches.push_back(seen);
        for (const auto& b : batches) write_batches += b.validate_only ? 0 : 1;
      }
      if (stall) {
        while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return grpc::Status(grpc::StatusCode::CANCELLED, "stalled");
      }
      v1::ImportCandidatesResponse resp;
      bool replay = false;
      {
        std::lock_guard<std::mutex> lock(mu);
        auto it = replies.find(req.request_id());
        if (!req.request_id().empty() && it != replies.end()) {
          resp = it->second;
          replay = true;
        }
      }
      if (!delay_request_id.empty() && req.request_id() == delay_request_id) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      if (!replay) {
        std::vector<const v1::ImportCandidateRow*> good;
        for (const auto& row : req.rows()) {
          const v1::Candidate& c = row.candidate();
          if (!std::regex_match(c.nationality(), std::regex("[A-Z][A-Z]"))) {
            auto* e = resp.add_errors();
            e->set_row_number(row.row_number());
            e->set_field("candidate.nationality");
            e->set_message("not an ISO 3166-1 alpha-2 code");
          } else if (c.birth_year() < 1900 || c.birth_year() > 2100) {
            auto* e = resp.add_errors();
            e->set_row_number(row.row_number());
            e->set_field("candidate.birth_year");
            e->set_message("out of range");
          } else {
            good.push_back(&row);
          }
        }
        resp.set_valid(static_cast<int64_t>(good.size()));
        if (!req.validate_only() && (req.skip_invalid() || resp.errors().empty())) {
          std::lock_guard<std::mutex> lock(mu);
          for (const auto* row : good) {
            stored[row->candidate_id()] = row->candidate();
            ++applied;
          }
          resp.set_written(static_cast<int64_t>(good.size()));
        }
        if (!req.request_id().empty()) {
          std::lock_guard<std::mutex> lock(mu);
          replies[req.request_id()] = resp;
        }
      }
      // Lose the answer to one write batch, once: the client must resend.
      if (!req.validate_only() && fail_after_write_batch > 0 &&
          write_batches == fail_after_write_batch && !failed_once.exchange(true)) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection reset (fake)");
      }
      stream->Write(resp);
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<SeenBatch> batches;
  std::map<std::string, v1::ImportCandidatesResponse> replies;
  std::map<std::string, v1::Candidate> stored;
  int64_t applied = 0;
  std::atomic<bool> stall{false};
  int fail_after_write_batch = 0;
  int max_batches_per_stream = 0;
  // The batch with this request id is held 300 ms before it is applied.
  std::string delay_request_id;
  std::atomic<int> streams{0};
  std::atomic<bool> failed_once{false};
};

class FakeVacancyService final : public v1::VacancyService::Service {
 public:
  grpc::Status ImportVacancies(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::ImportVacanciesResponse, v1::ImportVacanciesRequest>* stream)
      override {
    v1::ImportVacanciesRequest req;
    while (stream->Read(&req)) {
      v1::ImportVacanciesResponse resp;
      int64_t valid = 0;
      for (const auto& row : req.rows()) {
        if (row.vacancy().positions() < 1) {
          auto* e = resp.add_errors();
          e->set_row_number(row.row_number());
          e->set_field("vacancy.positions");
          e->set_message("must be 1..100000");
        } else {
          ++valid;
        }
      }
      resp.set_valid(valid);
      if (!req.validate_only() && (req.skip_invalid() || resp.errors().empty())) {
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& row : req.rows()) {
          if (row.vacancy().positions() >= 1) stored[row.vacancy_id()] = row.vacancy();
        }
        resp.set_written(valid);
      }
      stream->Write(resp);
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::map<std::string, v1::Vacancy> stored;
};

class FakeAgencyService final : public v1::AgencyService::Service {
 public:
  grpc::Status GetAgency(grpc::ServerContext* context, const v1::GetAgencyRequest* req,
                         v1::Agency* resp) override {
    auto auth = context->client_metadata().find("authorization");
    if (auth == context->client_metadata().end() ||
        std::string(auth->second.data(), auth->second.size()) != "Bearer " + token) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong token");
    }
    auto it = agencies.find(req->name());
    if (it == agencies.end()) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not yours or no such agency");
    }
    *resp = it->second;
    return grpc::Status::OK;
  }

  std::string token = "test-token";
  std::map<std::string, v1::Agency> agencies;
};

// The three services on an in-process server.
class FakeServer {
 public:
  FakeServer() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&candidates);
    builder.RegisterService(&vacancies);
    builder.RegisterService(&agencies);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { server_->Shutdown(std::chrono::system_clock::now()); }

  std::shared_ptr<grpc::Channel> Channel() {
    return server_->InProcessChannel(grpc::ChannelArguments());
  }

  FakeCandidateService candidates;
  FakeVacancyService vacancies;
  FakeAgencyService agencies;

 private:
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace corridor::cli::testing

#endif  // CORRIDOR_TESTS_CLIENTS_FAKE_SERVER_H_
