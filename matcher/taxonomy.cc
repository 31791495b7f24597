#include "matcher/taxonomy.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "matcher/csv_table.h"

namespace corridor::matcher {
namespace {

constexpr absl::string_view kIscoGroupsFile = "ISCOGroups_en.csv";
constexpr absl::string_view kOccupationsFile = "occupations_en.csv";
constexpr absl::string_view kSkillsHierarchyFile = "skillsHierarchy_en.csv";
constexpr absl::string_view kSkillGroupsFile = "skillGroups_en.csv";
constexpr absl::string_view kCollectionFiles[] = {
    "languageSkillsCollection_en.csv",
    "ictSkillsCollection_en.csv",
    "transversalSkillsCollection_en.csv",
};
constexpr absl::string_view kUnregulatedSuffix = "/unregulated";
constexpr size_t kMaxIdBytes = 64;

bool IsDigits(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// The last path segment of a URI ("S6.4.1" for ".../esco/skill/S6.4.1").
absl::string_view LastSegment(absl::string_view uri) {
  size_t slash = uri.rfind('/');
  return slash == absl::string_view::npos ? uri : uri.substr(slash + 1);
}

// Skill and occupation ids must fit the API's id grammar
// (1..64 characters of [A-Za-z0-9._:-]), or no request could name them.
bool IsTaxonomyId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' || c == '-';
  });
}

absl::Status BadRow(absl::string_view file, int64_t line, absl::string_view problem) {
  return absl::DataLossError(absl::StrCat(file, ":", line, ": ", problem));
}

// Reads a whole file. NOT_FOUND when it cannot be opened.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return data;
}

bool FileExists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return static_cast<bool>(in);
}

absl::StatusOr<CsvTable> ReadTable(absl::string_view dir, absl::string_view file) {
  absl::StatusOr<std::string> text = ReadFile(absl::StrCat(dir, "/", file));
  if (!text.ok()) return text.status();
  return CsvTable::Parse(*text, file);
}

// Looks up several columns at once; DATA_LOSS naming the first missing one.
absl::StatusOr<std::vector<size_t>> Columns(const CsvTable& table,
                                            std::initializer_list<absl::string_view> names) {
  std::vector<size_t> columns;
  for (absl::string_view name : names) {
    absl::StatusOr<size_t> column = table.Column(name);
    if (!column.ok()) return column.status();
    columns.push_back(*column);
  }
  return columns;
}

// Merges skills from the ESCO files over the built-in ones. The first ESCO
// row that names a skill decides its label and parent; later rows only fill
// fields still empty. ESCO values replace built-in ones.
class SkillMerger {
 public:
  explicit SkillMerger(const std::vector<Skill>& built_in) {
    for (const Skill& skill : built_in) skills_[skill.id] = skill;
  }

  void Add(absl::string_view id, absl::string_view label, absl::string_view parent) {
    if (parent == id) parent = "";
    Skill& skill = skills_[std::string(id)];
    skill.id = std::string(id);
    bool first = from_esco_.insert(std::string(id)).second;
    if (!label.empty() && (first || skill.label.empty())) skill.label = std::string(label);
    if (!parent.empty() && (first || skill.parent.empty())) skill.parent = std::string(parent);
  }

  std::vector<Skill> Take() {
    std::vector<Skill> out;
    out.reserve(skills_.size());
    for (auto& entry : skills_) out.push_back(std::move(entry.second));
    return out;
  }

 private:
  std::map<std::string, Skill> skills_;
  absl::flat_hash_set<std::string> from_esco_;
};

absl::StatusOr<std::vector<IscoGroup>> ReadIscoGroups(absl::string_view dir) {
  absl::StatusOr<CsvTable> table = ReadTable(dir, kIscoGroupsFile);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<size_t>> cols = Columns(*table, {"code", "preferredLabel"});
  if (!cols.ok()) return cols.status();
  std::vector<IscoGroup> groups;
  groups.reserve(table->records().size());
  for (const CsvRecord& record : table->records()) {
    const std::string& code = record.fields[(*cols)[0]];
    if (code.empty() || code.size() > 4 || !IsDigits(code)) {
      return BadRow(kIscoGroupsFile, record.line, "code must be 1..4 digits");
    }
    groups.push_back(IscoGroup{code, record.fields[(*cols)[1]]});
  }
  return groups;
}

// `isco` holds every known group (built-in and ESCO): an occupation must
// belong to one of its unit groups.
absl::StatusOr<std::vector<EscoOccupation>> ReadOccupations(
    absl::string_view dir, const absl::flat_hash_map<std::string, std::string>& isco) {
  absl::StatusOr<CsvTable> table = ReadTable(dir, kOccupationsFile);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<size_t>> cols = Columns(
      *table, {"conceptUri", "iscoGroup", "preferredLabel", "regulatedProfessionNote"});
  if (!cols.ok()) return cols.status();
  absl::flat_hash_set<std::string> seen;
  std::vector<EscoOccupation> occupations;
  occupations.reserve(table->records().size());
  for (const CsvRecord& record : table->records()) {
    EscoOccupation occupation;
    occupation.id = std::string(LastSegment(record.fields[(*cols)[0]]));
    if (!IsTaxonomyId(occupation.id)) {
      return BadRow(kOccupationsFile, record.line, "conceptUri does not end in a valid id");
    }
    if (!seen.insert(occupation.id).second) {
      return BadRow(kOccupationsFile, record.line, "occupation listed twice");
    }
    occupation.isco_code = record.fields[(*cols)[1]];
    if (occupation.isco_code.size() != 4 || !isco.contains(occupation.isco_code)) {
      return BadRow(kOccupationsFile, record.line,
                    "iscoGroup is not a known ISCO-08 unit group");
    }
    occupation.label = record.fields[(*cols)[2]];
    // An empty note makes no claim; only an explicit note other than
    // ".../unregulated" marks the profession regulated.
    const std::string& note = record.fields[(*cols)[3]];
    occupation.regulated = !note.empty() && !absl::EndsWith(note, kUnregulatedSuffix);
    occupations.push_back(std::move(occupation));
  }
  return occupations;
}

// skillsHierarchy_en.csv: each row is a path from a level-0 group down to
// the deepest level it fills; every URI on it is a group whose parent is the
// nearest filled level above.
absl::StatusOr<std::vector<Skill>> ReadSkillsHierarchy(absl::string_view dir) {
  absl::StatusOr<CsvTable> table = ReadTable(dir, kSkillsHierarchyFile);
  if (!table.ok()) return table.status();
  std::vector<size_t> uri_cols;
  std::vector<size_t> label_cols;
  for (int level = 0; level <= 3; ++level) {
    absl::StatusOr<std::vector<size_t>> cols =
        Columns(*table, {absl::StrCat("Level ", level, " URI"),
                         absl::StrCat("Level ", level, " preferred term")});
    if (!cols.ok()) return cols.status();
    uri_cols.push_back((*cols)[0]);
    label_cols.push_back((*cols)[1]);
  }
  std::vector<Skill> skills;
  for (const CsvRecord& record : table->records()) {
    absl::string_view parent;
    for (size_t level = 0; level < uri_cols.size(); ++level) {
      const std::string& uri = record.fields[uri_cols[level]];
      if (uri.empty()) continue;
      absl::string_view id = LastSegment(uri);
      if (!IsTaxonomyId(id)) {
        return BadRow(kSkillsHierarchyFile, record.line,
                      absl::StrCat("Level ", level, " URI does not end in a valid id"));
      }
      skills.push_back(Skill{std::string(id), record.fields[label_cols[level]],
                             std::string(parent)});
      parent = id;
    }
  }
  return skills;
}

// A file of skills or groups with conceptUri and preferredLabel columns, and
// optionally broaderConceptUri ("uri | uri ..."; the first one is the parent).
absl::StatusOr<std::vector<Skill>> ReadSkillList(absl::string_view dir,
                                                 absl::string_view file, bool has_broader) {
  absl::StatusOr<CsvTable> table = ReadTable(dir, file);
  if (!table.ok()) return table.status();
  absl::StatusOr<std::vector<size_t>> cols =
      has_broader ? Columns(*table, {"conceptUri", "preferredLabel", "broaderConceptUri"})
                  : Columns(*table, {"conceptUri", "preferredLabel"});
  if (!cols.ok()) return cols.status();
  std::vector<Skill> skills;
  skills.reserve(table->records().size());
  for (const CsvRecord& record : table->records()) {
    absl::string_view id = LastSegment(record.fields[(*cols)[0]]);
    if (!IsTaxonomyId(id)) {
      return BadRow(file, record.line, "conceptUri does not end in a valid id");
    }
    absl::string_view parent;
    if (has_broader) {
      absl::string_view broader = record.fields[(*cols)[2]];
      absl::string_view first = absl::StripAsciiWhitespace(
          std::vector<absl::string_view>(absl::StrSplit(broader, '|')).front());
      if (!first.empty()) {
        parent = LastSegment(first);
        if (!IsTaxonomyId(parent)) {
          return BadRow(file, record.line, "broaderConceptUri does not end in a valid id");
        }
      }
    }
    skills.push_back(Skill{std::string(id), record.fields[(*cols)[1]], std::string(parent)});
  }
  return skills;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Taxonomy>> Taxonomy::LoadEsco(absl::string_view dir) {
  std::unique_ptr<Taxonomy> taxonomy = BuiltIn();
  absl::StatusOr<std::vector<IscoGroup>> groups = ReadIscoGroups(dir);
  if (!groups.ok()) return groups.status();
  for (IscoGroup& group : *groups) taxonomy->isco_[group.code] = std::move(group.title);
  absl::StatusOr<std::vector<EscoOccupation>> occupations =
      ReadOccupations(dir, taxonomy->isco_);
  if (!occupations.ok()) return occupations.status();
  taxonomy->occupations_ = *std::move(occupations);

  // The hierarchy first: it alone gives every group its parent.
  SkillMerger merger(taxonomy->skills_);
  absl::StatusOr<std::vector<Skill>> hierarchy = ReadSkillsHierarchy(dir);
  if (!hierarchy.ok()) return hierarchy.status();
  for (const Skill& skill : *hierarchy) merger.Add(skill.id, skill.label, skill.parent);
  struct OptionalFile {
    absl::string_view name;
    bool has_broader;
  };
  std::vector<OptionalFile> optional_files = {{kSkillGroupsFile, false}};
  for (absl::string_view file : kCollectionFiles) optional_files.push_back({file, true});
  for (const OptionalFile& file : optional_files) {
    if (!FileExists(absl::StrCat(dir, "/", file.name))) continue;
    absl::StatusOr<std::vector<Skill>> skills = ReadSkillList(dir, file.name, file.has_broader);
    if (!skills.ok()) return skills.status();
    for (const Skill& skill : *skills) merger.Add(skill.id, skill.label, skill.parent);
  }
  taxonomy->skills_ = merger.Take();
  taxonomy->Index();
  return taxonomy;
}

void Taxonomy::Index() {
  auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
  std::sort(occupations_.begin(), occupations_.end(), by_id);
  std::sort(skills_.begin(), skills_.end(), by_id);
  occupation_index_.clear();
  occupation_index_.reserve(occupations_.size());
  for (size_t i = 0; i < occupations_.size(); ++i) {
    occupation_index_.emplace(occupations_[i].id, i);
  }
  skill_index_.clear();
  skill_index_.reserve(skills_.size());
  for (size_t i = 0; i < skills_.size(); ++i) skill_index_.emplace(skills_[i].id, i);
}

bool Taxonomy::IsIscoGroup(absl::string_view code) const {
  return !code.empty() && code.size() <= 4 && isco_.contains(code);
}

bool Taxonomy::IsIscoUnitGroup(absl::string_view code) const {
  return code.size() == 4 && isco_.contains(code);
}

std::string Taxonomy::IscoTitle(absl::string_view code) const {
  auto it = isco_.find(code);
  return it == isco_.end() ? std::string() : it->second;
}

bool Taxonomy::IsEscoOccupation(absl::string_view id) const {
  return occupation_index_.contains(id);
}

const EscoOccupation* Taxonomy::FindEscoOccupation(absl::string_view id) const {
  auto it = occupation_index_.find(id);
  return it == occupation_index_.end() ? nullptr : &occupations_[it->second];
}

bool Taxonomy::IsSkill(absl::string_view id) const { return skill_index_.contains(id); }

const Skill* Taxonomy::FindSkill(absl::string_view id) const {
  auto it = skill_index_.find(id);
  return it == skill_index_.end() ? nullptr : &skills_[it->second];
}

std::vector<IscoGroup> Taxonomy::IscoGroups() const {
  std::vector<IscoGroup> groups;
  groups.reserve(isco_.size());
  for (const auto& entry : isco_) groups.push_back(IscoGroup{entry.first, entry.second});
  std::sort(groups.begin(), groups.end(),
            [](const IscoGroup& a, const IscoGroup& b) { return a.code < b.code; });
  return groups;
}

}  // namespace corridor::matcher
