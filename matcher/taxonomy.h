#ifndef CORRIDOR_MATCHER_TAXONOMY_H_
#define CORRIDOR_MATCHER_TAXONOMY_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace corridor::matcher {

// An ISCO-08 group: major (1 digit), sub-major (2), minor (3) or unit (4).
struct IscoGroup {
  std::string code;
  std::string title;
};

// An ESCO occupation.
struct EscoOccupation {
  // The UUID at the end of its ESCO URI.
  std::string id;
  // Its ISCO-08 unit group (4 digits).
  std::string isco_code;
  std::string label;
  // Whether ESCO marks it as a regulated profession somewhere.
  bool regulated = false;
};

// A skill or skill group.
struct Skill {
  // Short id: the last segment of its ESCO URI ("S6.4.1" or a UUID).
  std::string id;
  std::string label;
  // Short id of its broader skill group, or "" at the top.
  std::string parent;
};

// The occupation and skill taxonomy: the ISCO-08 tree, ESCO occupations and
// ESCO skills with their hierarchy. Immutable once built; thread-safe.
class Taxonomy {
 public:
  // The compact taxonomy shipped in the binary: every ISCO-08 major,
  // sub-major and minor group, the unit groups the demo corridors use, and
  // the skills the demo uses. Needs no files.
  static std::unique_ptr<Taxonomy> BuiltIn();

  // Loads the official ESCO v1 CSV export from `dir` (ISCOGroups_en.csv,
  // occupations_en.csv, skillsHierarchy_en.csv and the *Collection_en.csv
  // files), merged over the built-in taxonomy. Quoted fields may span lines.
  // NOT_FOUND when a required file is missing; DATA_LOSS when one is malformed.
  // Required: ISCOGroups_en.csv, occupations_en.csv, skillsHierarchy_en.csv.
  // Read when present: skillGroups_en.csv and the language, ICT and
  // transversal *SkillsCollection_en.csv files. An occupation whose
  // iscoGroup is not a known unit group, or an id that does not fit
  // [A-Za-z0-9._:-]{1,64}, is DATA_LOSS too; messages name file and line.
  // ESCO titles and labels replace built-in ones; a skill's parent comes
  // from the hierarchy first, then from the first broaderConceptUri.
  static absl::StatusOr<std::unique_ptr<Taxonomy>> LoadEsco(absl::string_view dir);

  // True when `code` is a known ISCO-08 group of any level.
  bool IsIscoGroup(absl::string_view code) const;
  // True when `code` is a known 4-digit unit group.
  bool IsIscoUnitGroup(absl::string_view code) const;
  // Title of a group, or "" when unknown.
  std::string IscoTitle(absl::string_view code) const;
  // True for a known ESCO occupation id.
  bool IsEscoOccupation(absl::string_view id) const;
  const EscoOccupation* FindEscoOccupation(absl::string_view id) const;
  // True for a known skill id.
  bool IsSkill(absl::string_view id) const;
  const Skill* FindSkill(absl::string_view id) const;

  // All groups, sorted by code.
  std::vector<IscoGroup> IscoGroups() const;
  // All ESCO occupations, sorted by id.
  const std::vector<EscoOccupation>& esco_occupations() const { return occupations_; }
  // All skills, sorted by id.
  const std::vector<Skill>& skills() const { return skills_; }

  size_t isco_group_count() const { return isco_.size(); }

 private:
  Taxonomy() = default;
  void Index();

  absl::flat_hash_map<std::string, std::string> isco_;  // code -> title
  std::vector<EscoOccupation> occupations_;
  std::vector<Skill> skills_;
  absl::flat_hash_map<std::string, size_t> occupation_index_;
  absl::flat_hash_map<std::string, size_t> skill_index_;
};

}  // namespace corridor::matcher

#endif  // CORRIDOR_MATCHER_TAXONOMY_H_
