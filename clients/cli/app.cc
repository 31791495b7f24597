#include "clients/cli/app.h"

#include <chrono>
#include <cstdlib>
#include <deque>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/cli/application_commands.h"
#include "clients/cli/round_commands.h"
#include "clients/cli/audit_commands.h"
#include "clients/cli/demo_commands.h"
#include "clients/cli/match_commands.h"
#include "clients/cli/demo_generator.h"
#include "clients/cli/import_command.h"
#include "clients/cli/ledger_commands.h"
#include "clients/cli/output.h"
#include "clients/cli/resources.h"
#include "common/principal.h"
#include "common/token_file.h"
#include "matcher/taxonomy.h"

namespace corridor::cli {
namespace {

// Arguments of one resource's subcommands; kept at stable addresses for
// CLI11's bindings.
struct ResourceArgs {
  CreateArgs create;
  NameArgs get;
  ListArgs list;
  UpdateArgs update;
  NameArgs del;
  ImportOptions import;
  std::string import_format;
};

struct TokenArgs {
  std::string token_file;
  std::string principal;
  std::string label;
};

struct GenerateArgs {
  DemoOptions options;
  std::string esco_dir;
};

int IssueTokenCommand(const Io& io, const TokenArgs& args) {
  absl::StatusOr<Principal> principal = Principal::Parse(args.principal);
  if (!principal.ok()) {
    ReportError(io, principal.status());
    return kExitUsage;
  }
  absl::StatusOr<std::string> token = IssueToken(args.token_file, *principal, args.label);
  if (!token.ok()) return ReportError(io, token.status());
  if (io.format == OutputFormat::kJson) {
    *io.out << absl::StrFormat("{\"token\": \"%s\", \"principal\": \"%s\"}\n", *token,
                               principal->ToString());
  } else {
    *io.out << *token << '\n';
  }
  *io.err << "issued a token for " << principal->ToString() << " (its hash is in "
          << args.token_file << "); it is shown only this once\n";
  return kExitOk;
}

// A bearer token sent without TLS beyond this machine can be read on the
// way: say so (the call still goes ahead; some deployments terminate TLS in
// a local proxy).
void WarnIfPlaintext(const Io& io, const ClientOptions& options) {
  if (!options.tls_ca.empty() || options.token.empty()) return;
  std::string host = options.server.substr(0, options.server.rfind(':'));
  if (absl::StartsWith(options.server, "unix:") || host == "127.0.0.1" || host == "localhost" ||
      host == "[::1]" || host == "::1") {
    return;
  }
  *io.err << "warning: the bearer token goes to " << options.server
          << " in plaintext; pass --tls-ca to use TLS\n";
}

int GenerateCommand(const Io& io, const GenerateArgs& args) {
  const std::string dir = ResolveEscoDir(args.esco_dir);
  absl::StatusOr<DemoTaxonomy> taxonomy = absl::NotFoundError("");
  if (!dir.empty()) {
    taxonomy = DemoTaxonomy::LoadEsco(dir);
  } else {
    *io.err << "warning: no ESCO CSV export at ../shared/data/esco (--esco-dir); using the "
               "built-in taxonomy, which has no ESCO occupations and fewer skills\n";
    taxonomy = DemoTaxonomy::FromTaxonomy(*matcher::Taxonomy::BuiltIn(), "built-in taxonomy");
  }
  if (!taxonomy.ok()) return ReportError(io, taxonomy.status());
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<DemoCounts> counts = GenerateDemo(args.options, *taxonomy);
  if (!counts.ok()) return ReportError(io, counts.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Table table({"FILE", "RECORDS"});
  table.AddRow({"agencies.jsonl", std::to_string(counts->agencies)});
  table.AddRow({"employers.jsonl", std::to_string(counts->employers)});
  table.AddRow({"agreements.jsonl", std::to_string(counts->agreements)});
  table.AddRow({"quota_cells.jsonl", std::to_string(counts->quota_cells)});
  table.AddRow({"candidates.jsonl", std::to_string(counts->candidates)});
  table.AddRow({"vacancies.jsonl", std::to_string(counts->vacancies)});
  if (io.format == OutputFormat::kJson) {
    *io.out << absl::StrFormat(
        "{\"dir\": \"%s\", \"agencies\": %d, \"employers\": %d, \"agreements\": %d, "
        "\"quotaCells\": %d, \"candidates\": %d, \"vacancies\": %d}\n",
        args.options.out_dir, counts->agencies, counts->employers, counts->agreements,
        counts->quota_cells, counts->candidates, counts->vacancies);
  } else {
    table.Print(*io.out);
  }
  *io.err << absl::StrFormat("synthetic demo data (seed %d) written to %s in %.1f s\n",
                             args.options.seed, args.options.out_dir, seconds);
  return kExitOk;
}

}  // namespace

int RunCli(int argc, const char* const* argv, const CliEnv& env) {
  Io io{env.out, env.err, env.err_is_tty, OutputFormat::kTable};
  CLI::App app{"Command-line client of Corridor, the job-matching engine for legal labour "
               "migration.",
               "corridor"};
  app.require_subcommand(1);
  app.fallthrough();

  ClientOptions options;
  std::string output = "table";
  app.add_option("--server", options.server, "corridord address host:port")
      ->capture_default_str();
  app.add_option("--token", options.token, "bearer token (default: $CORRIDOR_TOKEN)")
      ->envname("CORRIDOR_TOKEN");
  app.add_option("--tls-ca", options.tls_ca, "PEM root certificate: use TLS");
  app.add_option("--tls-cert", options.tls_cert, "PEM client certificate (mutual TLS)");
  app.add_option("--tls-key", options.tls_key, "PEM client key (mutual TLS)");
  app.add_option("--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout", options.timeout_seconds,
                 "seconds allowed for each call, and for each batch of an import")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();

  std::function<int()> action;
  std::unique_ptr<Connection> connection;
  // Wraps a command that needs the server.
  auto with_server = [&](std::function<int(const Connection&)> run) {
    return [&, run]() -> int {
      auto opened = env.connect ? env.connect(options) : Connection::Open(options);
      if (!opened.ok()) {
        ReportError(io, opened.status());
        return opened.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage
                                                                            : kExitFailure;
      }
      connection = std::move(*opened);
      WarnIfPlaintext(io, options);
      return run(*connection);
    };
  };

  std::deque<ResourceArgs> resource_args;
  struct ResourceCommand {
    const char* command;
    const char* what;
    ResourceKind kind;
  };
  const ResourceCommand kResources[] = {
      {"agencies", "agencies (origin employment agencies)", ResourceKind::kAgencies},
      {"employers", "employers (destination employers)", ResourceKind::kEmployers},
      {"candidates", "candidates", ResourceKind::kCandidates},
      {"vacancies", "vacancies", ResourceKind::kVacancies},
      {"agreements", "bilateral labour agreements", ResourceKind::kAgreements},
      {"cells", "quota cells of an agreement", ResourceKind::kQuotaCells},
  };
  for (const ResourceCommand& rc : kResources) {
    ResourceArgs& a = resource_args.emplace_back();
    const ResourceKind kind = rc.kind;
    const bool cells = kind == ResourceKind::kQuotaCells;
    CLI::App* group = app.add_subcommand(rc.command, absl::StrCat("Manage ", rc.what));
    group->require_subcommand(1);
    group->fallthrough();

    CLI::App* create = group->add_subcommand("create", "Create one from a JSON file");
    create->fallthrough();
    create->add_option("--file", a.create.file, "JSON file (- for stdin)")->required();
    create->add_option("--id", a.create.id, "id of the new resource (default: from its name)");
    create->add_option("--request-id", a.create.request_id, "makes the call safe to retry");
    if (cells) {
      create->add_option("--agreement", a.create.agreement, "the agreement")->required();
    }
    create->callback([&, kind] {
      action = with_server([&, kind](const Connection& c) { return RunCreate(kind, c, io, a.create); });
    });

    CLI::App* get = group->add_subcommand("get", "Show one");
    get->fallthrough();
    get->add_option("name", a.get.name, "resource name or id")->required();
    if (cells) get->add_option("--agreement", a.get.agreement, "the agreement, for a bare cell id");
    get->callback([&, kind] {
      action = with_server([&, kind](const Connection& c) { return RunGet(kind, c, io, a.get); });
    });

    CLI::App* list = group->add_subcommand("list", "List (one page, or --all)");
    list->fallthrough();
    list->add_option("--filter", a.list.filter, "AIP-160 filter, e.g. 'country = \"CO\"'");
    list->add_option("--page-size", a.list.page_size, "results per page (1..1000)")
        ->check(CLI::Range(0, 1000));
    list->add_option("--page-token", a.list.page_token, "continue from a previous page");
    list->add_flag("--all", a.list.all, "follow next_page_token to the end");
    if (cells) list->add_option("--agreement", a.list.agreement, "the agreement")->required();
    list->callback([&, kind] {
      action = with_server([&, kind](const Connection& c) { return RunList(kind, c, io, a.list); });
    });

    CLI::App* update = group->add_subcommand("update", "Update from a JSON file holding its name");
    update->fallthrough();
    update->add_option("--file", a.update.file, "JSON file (- for stdin)")->required();
    update->add_option("--mask", a.update.mask, "fields to replace, comma-separated")
        ->delimiter(',');
    update->add_option("--etag", a.update.etag, "fail with ABORTED unless this is current");
    update->callback([&, kind] {
      action =
          with_server([&, kind](const Connection& c) { return RunUpdate(kind, c, io, a.update); });
    });

    CLI::App* del = group->add_subcommand("delete", "Delete one");
    del->fallthrough();
    del->add_option("name", a.del.name, "resource name or id")->required();
    del->add_option("--etag", a.del.etag, "fail with ABORTED unless this is current");
    if (cells) del->add_option("--agreement", a.del.agreement, "the agreement, for a bare cell id");
    del->callback([&, kind] {
      action = with_server([&, kind](const Connection& c) { return RunDelete(kind, c, io, a.del); });
    });

    if (kind == ResourceKind::kCandidates || kind == ResourceKind::kVacancies) {
      const ImportTarget target =
          kind == ResourceKind::kCandidates ? ImportTarget::kCandidates : ImportTarget::kVacancies;
      CLI::App* imp = group->add_subcommand(
          "import", "Bulk upsert from JSON lines or CSV (see docs/cli.md for the formats)");
      imp->fallthrough();
      imp->add_option("file", a.import.path, "the file (- for stdin)")->required();
      imp->add_option("--format", a.import_format, "jsonl or csv (default: by extension)")
          ->check(CLI::IsMember({"jsonl", "csv"}));
      imp->add_option("--batch-size", a.import.batch_size, "rows per batch")
          ->check(CLI::Range(1, 10000))
          ->capture_default_str();
      imp->add_flag("--skip-bad-rows", a.import.skip_bad_rows,
                    "write the valid rows and report the others");
      imp->add_flag("--validate-only", a.import.validate_only, "check every row, write nothing");
      imp->add_option("--import-id", a.import.import_id,
                      "request-id prefix; reuse it to resend an import safely");
      imp->add_option("--parse-threads", a.import.parse_threads, "parser threads")
          ->check(CLI::Range(1, 16))
          ->capture_default_str();
      imp->add_option("--streams", a.import.streams, "parallel import streams")
          ->check(CLI::Range(1, 16))
          ->capture_default_str();
      imp->add_option("--max-in-flight", a.import.max_in_flight,
                      "batches awaiting an answer, per stream")
          ->check(CLI::Range(1, 64))
          ->capture_default_str();
      imp->callback([&, target] {
        a.import.format = a.import_format.empty()
                              ? FormatForPath(a.import.path)
                              : (a.import_format == "csv" ? ImportFormat::kCsv : ImportFormat::kJsonl);
        action = with_server(
            [&, target](const Connection& c) { return RunImport(target, c, io, a.import); });
      });
    }
  }

  TokenArgs token_args;
  CLI::App* token = app.add_subcommand("token", "Bearer tokens");
  token->require_subcommand(1);
  token->fallthrough();
  CLI::App* issue = token->add_subcommand("issue", "Issue a token and print it once");
  issue->fallthrough();
  issue->add_option("--token-file", token_args.token_file, "the server's token file")->required();
  issue->add_option("--principal", token_args.principal,
                    "agency:<id>, employer:<id>, ministry:<CC> or operator")
      ->required();
  issue->add_option("--label", token_args.label, "free-text note kept with the hash");
  issue->callback([&] { action = [&] { return IssueTokenCommand(io, token_args); }; });

  CLI::App* demo = app.add_subcommand("demo", "Synthetic demo data");
  demo->require_subcommand(1);
  demo->fallthrough();
  GenerateArgs generate_args;
  CLI::App* generate = demo->add_subcommand("generate", "Write a synthetic demo data set");
  generate->fallthrough();
  generate->add_option("--out", generate_args.options.out_dir, "output folder")->required();
  generate->add_option("--candidates", generate_args.options.candidates, "number of candidates")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  generate->add_option("--vacancies", generate_args.options.vacancies,
                       "number of vacancies (default: candidates / 10)")
      ->check(CLI::NonNegativeNumber);
  generate->add_option("--seed", generate_args.options.seed, "random seed")->capture_default_str();
  generate->add_option("--esco-dir", generate_args.esco_dir,
                       "ESCO CSV export (default: ../shared/data/esco)");
  generate->add_flag("--csv", generate_args.options.csv,
                     "also write candidates.csv and vacancies.csv");
  generate->add_option("--threads", generate_args.options.threads, "generator threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  generate->callback([&] { action = [&] { return GenerateCommand(io, generate_args); }; });

  DemoLoadArgs load_args;
  CLI::App* load = demo->add_subcommand("load", "Load a demo data set (operator token)");
  load->fallthrough();
  load->add_option("--dir", load_args.dir, "folder written by demo generate")->required();
  load->add_flag("--skip-bad-rows", load_args.skip_bad_rows, "import the valid rows only");
  load->add_flag("--reference-only", load_args.reference_only,
                 "load agencies, employers, agreements and quota cells only");
  load->add_option("--batch-size", load_args.batch_size, "rows per import batch")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  load->add_option("--parse-threads", load_args.parse_threads, "parser threads")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  load->callback([&] {
    action = with_server([&](const Connection& c) { return RunDemoLoad(c, io, load_args); });
  });

  DemoShowArgs show_args;
  CLI::App* show = demo->add_subcommand("show", "Agreements, quota-cell trees and counts");
  show->fallthrough();
  show->add_flag("--skip-counts", show_args.skip_counts, "do not count candidates and vacancies");
  show->add_flag("--skip-matches", show_args.skip_matches, "do not show explained shortlists");
  show->callback([&] {
    action = with_server([&](const Connection& c) { return RunDemoShow(c, io, show_args); });
  });

  CLI::App* match = app.add_subcommand("match", "Shortlists, recommendations and explanations");
  match->require_subcommand(1);
  match->fallthrough();
  ShortlistArgs shortlist_args;
  CLI::App* shortlist = match->add_subcommand("shortlist", "Ranked eligible candidates for a vacancy");
  shortlist->fallthrough();
  shortlist->add_option("vacancy", shortlist_args.vacancy, "vacancies/{id} or {id}")->required();
  shortlist->add_option("--k", shortlist_args.k, "how many")->check(CLI::Range(1, 500))
      ->capture_default_str();
  shortlist->add_option("--filter", shortlist_args.filter,
                        "e.g. nationality = \"CO\" AND isco_code = \"61\"");
  shortlist->add_flag("--flag-quota-exhausted", shortlist_args.flag_quota_exhausted,
                      "list candidates whose quota cell is full, flagged, instead of dropping them");
  shortlist->callback([&] {
    action = with_server([&](const Connection& c) { return RunShortlist(c, io, shortlist_args); });
  });
  RecommendArgs recommend_args;
  CLI::App* recommend = match->add_subcommand("recommend", "Vacancies a candidate is eligible for");
  recommend->fallthrough();
  recommend->add_option("candidate", recommend_args.candidate, "candidates/{id} or {id}")
      ->required();
  recommend->add_option("--k", recommend_args.k, "how many")->check(CLI::Range(1, 500))
      ->capture_default_str();
  recommend->callback([&] {
    action = with_server([&](const Connection& c) { return RunRecommend(c, io, recommend_args); });
  });
  ExplainArgs explain_args;
  CLI::App* explain = match->add_subcommand("explain", "Every score component and failed rule");
  explain->fallthrough();
  explain->add_option("candidate", explain_args.candidate, "candidates/{id} or {id}")->required();
  explain->add_option("vacancy", explain_args.vacancy, "vacancies/{id} or {id}")->required();
  explain->callback([&] {
    action = with_server([&](const Connection& c) { return RunExplain(c, io, explain_args); });
  });

  // The quota ledger.
  CLI::App* ledger = app.add_subcommand("ledger", "Quota reservations (the quota ledger)");
  ledger->require_subcommand(1);
  ledger->fallthrough();
  ReserveArgs reserve_args;
  CLI::App* reserve = ledger->add_subcommand("reserve", "Hold one unit of a quota cell and its ancestors");
  reserve->fallthrough();
  reserve->add_option("--cell", reserve_args.cell, "agreements/{a}/quotaCells/{c} (or {c} with --agreement)")
      ->required();
  reserve->add_option("--agreement", reserve_args.agreement, "the agreement, for a bare cell id");
  reserve->add_option("--hold-seconds", reserve_args.hold_seconds,
                      "hold length, 60..7776000 (default: 14 days)")
      ->check(CLI::Range(int64_t{0}, int64_t{7776000}));
  reserve->add_option("--request-id", reserve_args.request_id,
                      "required: makes the call safe to retry")
      ->required();
  reserve->callback([&] {
    action = with_server([&](const Connection& c) { return RunReserve(c, io, reserve_args); });
  });
  ReservationChangeArgs commit_args;
  CLI::App* commit = ledger->add_subcommand("commit", "Commit a held unit (visa issued)");
  commit->fallthrough();
  commit->add_option("name", commit_args.name, "reservations/{id} or {id}")->required();
  commit->add_option("--request-id", commit_args.request_id, "makes the call safe to retry");
  commit->callback([&] {
    action = with_server([&](const Connection& c) { return RunCommit(c, io, commit_args); });
  });
  ReservationChangeArgs release_args;
  CLI::App* release = ledger->add_subcommand("release", "Release a held unit");
  release->fallthrough();
  release->add_option("name", release_args.name, "reservations/{id} or {id}")->required();
  release->add_option("--reason", release_args.reason, "reason code [A-Z0-9_], e.g. WITHDRAWN")
      ->required();
  release->add_option("--request-id", release_args.request_id, "makes the call safe to retry");
  release->callback([&] {
    action = with_server([&](const Connection& c) { return RunRelease(c, io, release_args); });
  });
  ReservationChangeArgs correct_args;
  CLI::App* correct = ledger->add_subcommand(
      "correct", "Return a committed unit: a ministry correction (destination ministry only)");
  correct->fallthrough();
  correct->add_option("name", correct_args.name, "reservations/{id} or {id}")->required();
  correct->add_option("--reason", correct_args.reason, "why, 1..512 bytes")->required();
  correct->add_option("--request-id", correct_args.request_id,
                      "required: makes the call safe to retry")
      ->required();
  correct->callback([&] {
    action = with_server([&](const Connection& c) { return RunCorrect(c, io, correct_args); });
  });
  std::string reservation_name;
  CLI::App* get_reservation = ledger->add_subcommand("get", "Show one reservation");
  get_reservation->fallthrough();
  get_reservation->add_option("name", reservation_name, "reservations/{id} or {id}")->required();
  get_reservation->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunGetReservation(c, io, reservation_name); });
  });
  ListReservationsArgs list_reservations_args;
  CLI::App* list_reservations = ledger->add_subcommand("list", "List reservations (one page, or --all)");
  list_reservations->fallthrough();
  list_reservations->add_option(
      "--filter", list_reservations_args.filter,
      "fields quota_cell, state, application, e.g. 'state = \"RESERVATION_STATE_HELD\"'");
  list_reservations->add_option("--page-size", list_reservations_args.page_size,
                                "results per page (1..1000)")
      ->check(CLI::Range(0, 1000));
  list_reservations->add_option("--page-token", list_reservations_args.page_token,
                                "continue from a previous page");
  list_reservations->add_flag("--all", list_reservations_args.all,
                              "follow next_page_token to the end");
  list_reservations->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunListReservations(c, io, list_reservations_args); });
  });

  // Allocation rounds.
  CLI::App* rounds = app.add_subcommand(
      "rounds", "Allocation rounds: propose (or what-if), show, list, confirm");
  rounds->require_subcommand(1);
  rounds->fallthrough();
  CreateRoundArgs create_round_args;
  CLI::App* create_round = rounds->add_subcommand(
      "create", "Compute a proposal for an agreement's open vacancies in a period");
  create_round->fallthrough();
  create_round->add_option("--agreement", create_round_args.agreement, "agreements/{id} or {id}")
      ->required();
  create_round->add_option("--from", create_round_args.from, "first day of the period, YYYY-MM-DD")
      ->required();
  create_round->add_option("--to", create_round_args.to, "last day of the period, YYYY-MM-DD")
      ->required();
  create_round
      ->add_option("--objective", create_round_args.objective,
                   "welfare (most placements, then score), stable, fcfs, greedy or lottery")
      ->check(CLI::IsMember({"welfare", "stable", "fcfs", "greedy", "lottery"}));
  create_round->add_option("--lottery-seed", create_round_args.lottery_seed,
                           "the lottery's public seed (default: agreement/from/to)");
  create_round->add_option("--vacancy", create_round_args.vacancies,
                           "only these vacancies (repeatable; default: every open one in scope)");
  create_round->add_flag("--what-if", create_round_args.what_if,
                         "a what-if round: the ledger is not touched and it cannot be confirmed");
  create_round->add_option("--cap", create_round_args.caps,
                           "CELL=N: another cap for a cell (repeatable; with --what-if)");
  create_round->add_option("--edges-per-candidate", create_round_args.edges_per_candidate,
                           "each candidate's best vacancies considered (1..500; default 20)");
  create_round->add_option("--rows", create_round_args.rows,
                           "rows of assignments and unplaced candidates printed (0: all)");
  create_round->add_option("--request-id", create_round_args.request_id,
                           "makes the call safe to retry (default: a fresh one)");
  create_round->callback([&] {
    action = with_server([&](const Connection& c) { return RunCreateRound(c, io, create_round_args); });
  });
  std::string round_name;
  int round_rows = 20;
  CLI::App* get_round = rounds->add_subcommand("get", "Show one round");
  get_round->fallthrough();
  get_round->add_option("name", round_name, "allocationRounds/{id} or {id}")->required();
  get_round->add_option("--rows", round_rows, "rows printed per table (0: all)");
  get_round->callback([&] {
    action = with_server([&](const Connection& c) { return RunGetRound(c, io, round_name, round_rows); });
  });
  std::string rounds_filter;
  CLI::App* list_rounds = rounds->add_subcommand("list", "List rounds");
  list_rounds->fallthrough();
  list_rounds->add_option("--filter", rounds_filter,
                          "fields agreement, state, e.g. 'state = \"CONFIRMED\"'");
  list_rounds->callback([&] {
    action = with_server([&](const Connection& c) { return RunListRounds(c, io, rounds_filter); });
  });
  std::string compare_first, compare_second;
  CLI::App* compare_rounds = rounds->add_subcommand(
      "compare", "Two rounds' fills side by side (by cell, origin, occupation)");
  compare_rounds->fallthrough();
  compare_rounds->add_option("first", compare_first, "allocationRounds/{id} or {id}")->required();
  compare_rounds->add_option("second", compare_second, "allocationRounds/{id} or {id}")->required();
  compare_rounds->callback([&] {
    action = with_server([&](const Connection& c) {
      return RunCompareRounds(c, io, compare_first, compare_second);
    });
  });
  ConfirmRoundArgs confirm_round_args;
  CLI::App* confirm_round = rounds->add_subcommand(
      "confirm", "Place a proposal: applications SELECTED with their units reserved");
  confirm_round->fallthrough();
  confirm_round->add_option("name", confirm_round_args.name, "allocationRounds/{id} or {id}")
      ->required();
  confirm_round->add_option("--etag", confirm_round_args.etag, "refuse if the round changed");
  confirm_round->add_option("--request-id", confirm_round_args.request_id,
                            "makes the call safe to retry (default: a fresh one)");
  confirm_round->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunConfirmRound(c, io, confirm_round_args); });
  });

  // Applications and their lifecycle.
  CLI::App* applications =
      app.add_subcommand("applications", "Applications: create, move through the lifecycle, watch");
  applications->require_subcommand(1);
  applications->fallthrough();
  CreateApplicationArgs create_application_args;
  CLI::App* create_application =
      applications->add_subcommand("create", "A candidate's application for a vacancy");
  create_application->fallthrough();
  create_application
      ->add_option("--candidate", create_application_args.candidate, "candidates/{id} or {id}")
      ->required();
  create_application
      ->add_option("--vacancy", create_application_args.vacancy, "vacancies/{id} or {id}")
      ->required();
  create_application
      ->add_option("--state", create_application_args.state,
                   "shortlisted or submitted (default: the server's)")
      ->check(CLI::IsMember({"shortlisted", "submitted"}));
  create_application->add_option("--id", create_application_args.id,
                                 "id of the new application (default: the server's)");
  create_application->add_option("--request-id", create_application_args.request_id,
                                 "makes the call safe to retry (default: a fresh one)");
  create_application->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunCreateApplication(c, io, create_application_args); });
  });
  std::string application_name;
  CLI::App* get_application = applications->add_subcommand("get", "Show one application");
  get_application->fallthrough();
  get_application->add_option("name", application_name, "applications/{id} or {id}")->required();
  get_application->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunGetApplication(c, io, application_name); });
  });
  ListApplicationsArgs list_applications_args;
  CLI::App* list_applications =
      applications->add_subcommand("list", "List applications (one page, or --all)");
  list_applications->fallthrough();
  list_applications->add_option(
      "--filter", list_applications_args.filter,
      "fields candidate, vacancy, state, e.g. 'state = \"APPLICATION_STATE_SELECTED\"'");
  list_applications
      ->add_option("--page-size", list_applications_args.page_size, "results per page (1..1000)")
      ->check(CLI::Range(0, 1000));
  list_applications->add_option("--page-token", list_applications_args.page_token,
                                "continue from a previous page");
  list_applications->add_flag("--all", list_applications_args.all,
                              "follow next_page_token to the end");
  list_applications->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunListApplications(c, io, list_applications_args); });
  });
  TransitionArgs transition_args;
  CLI::App* transition =
      applications->add_subcommand("transition", "Move an application to another state");
  transition->fallthrough();
  transition->add_option("name", transition_args.name, "applications/{id} or {id}")->required();
  transition
      ->add_option("--to", transition_args.to,
                   "the state, e.g. submitted, selected, visa-issued, rejected")
      ->required();
  transition->add_option("--reason", transition_args.reason,
                         "reason code [A-Z0-9_] (required to reject)");
  transition->add_option("--etag", transition_args.etag,
                         "fail with ABORTED unless this is current");
  transition->add_option("--request-id", transition_args.request_id,
                         "makes the call safe to retry (default: a fresh one)");
  transition->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunTransitionApplication(c, io, transition_args); });
  });
  ConsentArgs consent_args;
  CLI::App* consent = applications->add_subcommand(
      "consent", "The origin ministry's consent for a protected occupation");
  consent->fallthrough();
  consent->add_option("name", consent_args.name, "applications/{id} or {id}")->required();
  CLI::Option* grant = consent->add_flag("--grant", consent_args.grant, "give consent");
  CLI::Option* refuse =
      consent->add_flag("--refuse", consent_args.refuse, "refuse it (the application is rejected)");
  grant->excludes(refuse);
  consent->add_option("--reason", consent_args.reason,
                      "reason code [A-Z0-9_] (required to refuse)");
  consent->add_option("--request-id", consent_args.request_id,
                      "makes the call safe to retry (default: a fresh one)");
  consent->callback([&] {
    action = with_server(
        [&](const Connection& c) { return RunRecordOriginConsent(c, io, consent_args); });
  });
  ReturnArgs return_args;
  CLI::App* record_return = applications->add_subcommand("return", "Record how a stay ended");
  record_return->fallthrough();
  record_return->add_option("name", return_args.name, "applications/{id} or {id}")->required();
  record_return->add_option("--outcome", return_args.outcome, "on-time, late or not-returned")
      ->required()
      ->check(CLI::IsMember({"on-time", "late", "not-returned"}));
  record_return->add_option("--date", return_args.date,
                            "day the worker returned, YYYY-MM-DD (not with not-returned)");
  record_return->add_option("--request-id", return_args.request_id,
                            "makes the call safe to retry (default: a fresh one)");
  record_return->callback([&] {
    action = with_server([&](const Connection& c) { return RunRecordReturn(c, io, return_args); });
  });
  WatchArgs watch_args;
  CLI::App* watch = applications->add_subcommand(
      "watch", "Stream application events, one line each (resumable with --cursor)");
  watch->fallthrough();
  watch->add_option("--cursor", watch_args.cursor, "resume where a previous watch stopped");
  watch->add_flag("--from-beginning", watch_args.from_beginning,
                  "start at the first event of the log (default: only new events)");
  watch->add_option("--filter", watch_args.filter,
                    "fields application, candidate, vacancy, e.g. 'application = a-17'");
  watch->add_option("--max-events", watch_args.max_events, "stop after N events (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  watch
      ->add_option("--timeout", watch_args.timeout_seconds,
                   "stop after S seconds (0: no limit; the global --timeout does not apply)")
      ->check(CLI::NonNegativeNumber);
  watch->callback([&] {
    action =
        with_server([&](const Connection& c) { return RunWatchApplications(c, io, watch_args); });
  });

  // The audit log.
  CLI::App* audit = app.add_subcommand("audit", "The audit log: keys, heads, events, reports, verify");
  audit->require_subcommand(1);
  audit->fallthrough();
  std::string keygen_out;
  CLI::App* keygen = audit->add_subcommand("keygen", "Write a new Ed25519 signing key file");
  keygen->fallthrough();
  keygen->add_option("--out", keygen_out, "the key file to create (refused if it exists)")
      ->required();
  keygen->callback([&] { action = [&] { return RunKeygen(io, keygen_out); }; });
  std::string key_file;
  CLI::App* public_key = audit->add_subcommand("public-key", "Print the public key of a key file");
  public_key->fallthrough();
  public_key->add_option("--key-file", key_file, "the signing key file")->required();
  public_key->callback([&] { action = [&] { return RunPublicKey(io, key_file); }; });
  HeadArgs head_args;
  CLI::App* head = audit->add_subcommand("head", "The latest signed tree head");
  head->fallthrough();
  head->add_option("--public-key", head_args.public_key,
                   "check the signature: 64 hex digits or a file holding them");
  head->callback([&] {
    action = with_server([&](const Connection& c) { return RunHead(c, io, head_args); });
  });
  EventsArgs events_args;
  CLI::App* events = audit->add_subcommand("events", "List audit events");
  events->fallthrough();
  events->add_option("--start", events_args.start, "first leaf index")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  events->add_option("--filter", events_args.filter,
                     "fields kind, subject, e.g. 'kind = \"RELEASE\"'");
  events->add_option("--limit", events_args.limit, "most events shown; 0 for all")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  events->callback([&] {
    action = with_server([&](const Connection& c) { return RunEvents(c, io, events_args); });
  });
  ReportArgs report_args;
  CLI::App* report = audit->add_subcommand("report", "Quota usage of an agreement's cells, as of a moment");
  report->fallthrough();
  report->add_option("--agreement", report_args.agreement, "agreements/{a} or {a}")->required();
  report->add_option("--as-of", report_args.as_of, "RFC 3339 instant (default: now)");
  report->add_option("--dimension", report_args.dimension, "group by (default: cell)")
      ->check(CLI::IsMember(
          {"cell", "origin", "destination", "occupation", "scheme", "gender", "age_band"}));
  report->add_option("--csv", report_args.csv_file, "also write the rows as CSV to this file");
  report->add_option("--format", report_args.format, "table or csv (CSV on stdout)")
      ->check(CLI::IsMember({"table", "csv"}))
      ->capture_default_str();
  report->callback([&] {
    action = with_server([&](const Connection& c) { return RunReport(c, io, report_args); });
  });
  VerifyArgs verify_args;
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check the whole log with the public API and the public key only");
  verify->fallthrough();
  verify->add_option("--public-key", verify_args.public_key,
                     "the log's public key: 64 hex digits or a file holding them")
      ->required();
  verify->add_option("--state-file", verify_args.state_file,
                     "keeps the last verified head; later runs prove the log extends it");
  verify->add_option("--samples", verify_args.samples,
                     "random leaves proved besides the first and last (all when <= 256 events)")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  verify->add_option("--seed", verify_args.seed, "seed of the sample (default: random)");
  verify->callback([&] {
    action = with_server([&](const Connection& c) { return RunVerify(c, io, verify_args); });
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, *env.out, *env.err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, *env.out, *env.err);
    return kExitUsage;
  }
  io.format = output == "json" ? OutputFormat::kJson : OutputFormat::kTable;
  if (!action) {
    *env.err << app.help();
    return kExitUsage;
  }
  return action();
}

}  // namespace corridor::cli
