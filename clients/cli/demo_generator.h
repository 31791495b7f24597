#ifndef CORRIDOR_CLIENTS_CLI_DEMO_GENERATOR_H_
#define CORRIDOR_CLIENTS_CLI_DEMO_GENERATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/cli/demo_catalogue.h"
#include "clients/cli/demo_taxonomy.h"
#include "clients/cli/random.h"
#include "corridor/v1/agency_service.pb.h"
#include "corridor/v1/agreement_service.pb.h"
#include "corridor/v1/candidate_service.pb.h"
#include "corridor/v1/employer_service.pb.h"
#include "corridor/v1/vacancy_service.pb.h"

namespace corridor::cli {

// A quota cell with the agreement it belongs to, as quota_cells.jsonl holds
// it: {"agreement": "agreements/<a>", "cellId": "<c>", "cell": {QuotaCell}}.
struct DemoCell {
  std::string agreement;
  std::string cell_id;
  v1::QuotaCell cell;
};

// The synthetic demo world for one seed: the agreements and cells of the
// corridors in demo_catalogue.h, their agencies and employers, and the
// candidates and vacancies, each drawn from its own random stream (seed,
// index) so any record can be made alone, on any thread, and a seed always
// gives the same records. Occupations are ESCO occupations of the
// corridor's ISCO unit groups and skills leaves of the ESCO skill hierarchy
// groups typical of the occupation, both Zipf-skewed. Immutable after
// Create; thread-safe. `taxonomy` must outlive it.
class DemoWorld {
 public:
  // `vacancies` is the total number of vacancies (it sizes the employer
  // groups). INVALID_ARGUMENT when the taxonomy lacks an ISCO unit group the
  // catalogue uses, or every skill group of one.
  static absl::StatusOr<std::unique_ptr<DemoWorld>> Create(const DemoTaxonomy& taxonomy,
                                                           uint64_t seed, int64_t vacancies);

  const std::vector<v1::Agency>& agencies() const { return agencies_; }
  const std::vector<v1::Employer>& employers() const { return employers_; }
  const std::vector<v1::Agreement>& agreements() const { return agreements_; }
  // Parents before children.
  const std::vector<DemoCell>& cells() const { return cells_; }

  // Candidate number `index` (0-based), named candidates/c<index+1, 7 digits>.
  void MakeCandidate(int64_t index, v1::Candidate* out) const;
  // Vacancy number `index` (0-based, < vacancies), named vacancies/v<...>.
  void MakeVacancy(int64_t index, v1::Vacancy* out) const;

 private:
  struct Occupations {
    std::vector<std::string> units;
    ZipfTable unit_zipf;
  };
  struct UnitInfo {
    const std::vector<DemoOccupation>* occupations = nullptr;
    ZipfTable occupation_zipf;
    std::vector<std::string> skills;
    ZipfTable skill_zipf;
    std::string title;
  };
  struct OriginAgencies {
    std::string public_service;
    std::vector<std::string> recruiters;
    ZipfTable recruiter_zipf;
    ZipfTable region_zipf;
  };
  struct GroupEmployers {
    std::vector<size_t> employer_index;  // into employers_
    std::vector<size_t> sector;
    ZipfTable zipf;
  };

  DemoWorld(const DemoTaxonomy& taxonomy, uint64_t seed) : taxonomy_(taxonomy), seed_(seed) {}
  absl::Status Build(int64_t vacancies);
  const UnitInfo& Unit(const std::string& isco) const { return units_.at(isco); }

  const DemoTaxonomy& taxonomy_;
  const uint64_t seed_;
  std::vector<double> candidate_weights_;
  std::vector<Occupations> corridor_occupations_;
  std::map<std::string, UnitInfo> units_;
  std::map<std::string, OriginAgencies> origin_agencies_;
  std::map<std::string, GroupEmployers> group_employers_;
  // Vacancy blocks: corridor c owns indexes [vacancy_start_[c], vacancy_start_[c+1]).
  std::vector<int64_t> vacancy_start_;
  std::vector<v1::Agency> agencies_;
  std::vector<v1::Employer> employers_;
  std::vector<v1::Agreement> agreements_;
  std::vector<DemoCell> cells_;
};

struct DemoOptions {
  std::string out_dir;
  int64_t candidates = 5000;
  // Default (-1): candidates / 10, at least 24.
  int64_t vacancies = -1;
  uint64_t seed = 1;
  // Also write candidates.csv and vacancies.csv in the import CSV layout.
  bool csv = false;
  // Threads making candidates. Default: 2.
  int threads = 2;
};

struct DemoCounts {
  int64_t agencies = 0;
  int64_t employers = 0;
  int64_t agreements = 0;
  int64_t quota_cells = 0;
  int64_t candidates = 0;
  int64_t vacancies = 0;
};

// Writes the demo data set into options.out_dir (created if missing):
// agencies.jsonl, employers.jsonl, agreements.jsonl, quota_cells.jsonl,
// candidates.jsonl, vacancies.jsonl (one proto-JSON record per line, each
// with its "name"), manifest.json and README.txt (which says the data are
// synthetic). Candidates are streamed to the file, never all in memory.
// The same options and taxonomy give byte-identical files.
// Errors: INTERNAL for I/O, INVALID_ARGUMENT for bad options.
absl::StatusOr<DemoCounts> GenerateDemo(const DemoOptions& options,
                                        const DemoTaxonomy& taxonomy);

// The vacancy count GenerateDemo uses for `options`.
int64_t DemoVacancyCount(const DemoOptions& options);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_DEMO_GENERATOR_H_
