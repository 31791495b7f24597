#ifndef CORRIDOR_CLIENTS_CLI_DEMO_TAXONOMY_H_
#define CORRIDOR_CLIENTS_CLI_DEMO_TAXONOMY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "matcher/taxonomy.h"

namespace corridor::cli {

// An ESCO occupation as the demo generator uses it.
struct DemoOccupation {
  // The UUID at the end of its ESCO URI.
  std::string esco_id;
  // ISCO-08 unit group, 4 digits.
  std::string isco_code;
  std::string label;
};

// The view of the occupation and skill taxonomy the demo generator draws
// from: ISCO-08 groups, ESCO occupations by unit group, and the skill
// hierarchy as parent links (S1..S8, A1..A2 and below). Built from the
// matcher's Taxonomy, the one corridord validates against. Immutable.
class DemoTaxonomy {
 public:
  // The ESCO v1 CSV export in `dir`, read at run time through
  // matcher::Taxonomy::LoadEsco (its errors).
  static absl::StatusOr<DemoTaxonomy> LoadEsco(const std::string& dir);

  // A view of `taxonomy`; `source` says where it came from (README.txt).
  static DemoTaxonomy FromTaxonomy(const matcher::Taxonomy& taxonomy, std::string source);

  // A taxonomy from explicit parts (tests, other sources).
  DemoTaxonomy(std::map<std::string, std::string> isco_titles,
               std::vector<DemoOccupation> occupations,
               std::map<std::string, std::string> skill_parents, std::string source);

  // Title of an ISCO-08 group, "" when unknown.
  std::string IscoTitle(const std::string& code) const;
  bool IsIscoGroup(const std::string& code) const { return isco_titles_.count(code) > 0; }
  // ESCO occupations of a unit group, sorted by label.
  const std::vector<DemoOccupation>& OccupationsOf(const std::string& isco_unit) const;
  // The leaf skills under a skill group ("S6.4" -> S6.4.0 .. S6.4.3), in id
  // order; the group itself when it has no children; empty when unknown.
  std::vector<std::string> SkillsUnder(const std::string& group) const;
  // Where the data came from, for the README.
  const std::string& source() const { return source_; }

 private:
  std::map<std::string, std::string> isco_titles_;
  std::map<std::string, std::vector<DemoOccupation>> by_unit_;
  std::map<std::string, std::vector<std::string>> children_;
  std::string source_;
};

// The ESCO directory to use: `flag` when set; otherwise the first of
// ../shared/data/esco relative to the working directory, then relative to
// the project root this binary was built from, that exists. "" when none
// does.
std::string ResolveEscoDir(const std::string& flag);

}  // namespace corridor::cli

#endif  // CORRIDOR_CLIENTS_CLI_DEMO_TAXONOMY_H_
