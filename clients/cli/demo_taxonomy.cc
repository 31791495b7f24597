#include "clients/cli/demo_taxonomy.h"

#include <algorithm>
#include <filesystem>

#ifndef CORRIDOR_SOURCE_DIR
#define CORRIDOR_SOURCE_DIR "."
#endif

namespace corridor::cli {

DemoTaxonomy::DemoTaxonomy(std::map<std::string, std::string> isco_titles,
                           std::vector<DemoOccupation> occupations,
                           std::map<std::string, std::string> skill_parents, std::string source)
    : isco_titles_(std::move(isco_titles)), source_(std::move(source)) {
  for (DemoOccupation& o : occupations) by_unit_[o.isco_code].push_back(std::move(o));
  for (auto& [unit, list] : by_unit_) {
    std::sort(list.begin(), list.end(), [](const DemoOccupation& a, const DemoOccupation& b) {
      return a.label != b.label ? a.label < b.label : a.esco_id < b.esco_id;
    });
  }
  for (const auto& [child, parent] : skill_parents) {
    children_[parent].push_back(child);
    children_[child];  // every node is a key
  }
  for (auto& [parent, list] : children_) std::sort(list.begin(), list.end());
}

DemoTaxonomy DemoTaxonomy::FromTaxonomy(const matcher::Taxonomy& taxonomy, std::string source) {
  std::map<std::string, std::string> titles;
  for (const matcher::IscoGroup& g : taxonomy.IscoGroups()) titles[g.code] = g.title;
  std::vector<DemoOccupation> occupations;
  for (const matcher::EscoOccupation& o : taxonomy.esco_occupations()) {
    if (o.isco_code.size() == 4) occupations.push_back({o.id, o.isco_code, o.label});
  }
  std::map<std::string, std::string> parents;
  for (const matcher::Skill& skill : taxonomy.skills()) {
    if (!skill.parent.empty()) parents[skill.id] = skill.parent;
  }
  return DemoTaxonomy(std::move(titles), std::move(occupations), std::move(parents),
                      std::move(source));
}

absl::StatusOr<DemoTaxonomy> DemoTaxonomy::LoadEsco(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<matcher::Taxonomy>> taxonomy = matcher::Taxonomy::LoadEsco(dir);
  if (!taxonomy.ok()) return taxonomy.status();
  return FromTaxonomy(**taxonomy, "ESCO v1 CSV export (" + dir + ")");
}

std::string DemoTaxonomy::IscoTitle(const std::string& code) const {
  auto it = isco_titles_.find(code);
  return it == isco_titles_.end() ? std::string() : it->second;
}

const std::vector<DemoOccupation>& DemoTaxonomy::OccupationsOf(const std::string& unit) const {
  static const std::vector<DemoOccupation>* empty = new std::vector<DemoOccupation>();
  auto it = by_unit_.find(unit);
  return it == by_unit_.end() ? *empty : it->second;
}

std::vector<std::string> DemoTaxonomy::SkillsUnder(const std::string& group) const {
  std::vector<std::string> out;
  auto it = children_.find(group);
  if (it == children_.end()) return out;
  if (it->second.empty()) {
    out.push_back(group);
    return out;
  }
  std::vector<std::string> stack(it->second.rbegin(), it->second.rend());
  while (!stack.empty()) {
    std::string id = stack.back();
    stack.pop_back();
    const auto& kids = children_.at(id);
    if (kids.empty()) {
      out.push_back(id);
    } else {
      for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back(*k);
    }
  }
  return out;
}

std::string ResolveEscoDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const fs::path& base : {fs::current_path(ec), fs::path(CORRIDOR_SOURCE_DIR)}) {
    const fs::path candidate = base / ".." / "shared" / "data" / "esco";
    if (fs::exists(candidate / "occupations_en.csv", ec)) {
      return fs::weakly_canonical(candidate, ec).string();
    }
  }
  return "";
}

}  // namespace corridor::cli
