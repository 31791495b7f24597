#include "common/iso_codes.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace corridor {
namespace {

absl::StatusOr<nlohmann::json> ReadJson(absl::string_view dir, absl::string_view file) {
  std::string path = absl::StrCat(dir, "/", file);
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError(absl::StrCat(path, " is not valid JSON"));
  }
  return doc;
}

// Returns the array under `key`, or an empty array when absent or malformed.
const nlohmann::json& ArrayAt(const nlohmann::json& doc, const char* key) {
  static const nlohmann::json* empty = new nlohmann::json(nlohmann::json::array());
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return *empty;
  return *it;
}

std::string StringAt(const nlohmann::json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

absl::StatusOr<std::unique_ptr<IsoCodes>> IsoCodes::Load(absl::string_view dir) {
  std::unique_ptr<IsoCodes> codes(new IsoCodes());
  absl::StatusOr<nlohmann::json> countries = ReadJson(dir, "iso_3166-1.json");
  if (!countries.ok()) return countries.status();
  for (const nlohmann::json& c : ArrayAt(*countries, "3166-1")) {
    std::string alpha2 = StringAt(c, "alpha_2");
    if (!alpha2.empty()) codes->countries_[alpha2] = StringAt(c, "name");
  }
  absl::StatusOr<nlohmann::json> languages = ReadJson(dir, "iso_639-3.json");
  if (!languages.ok()) return languages.status();
  for (const nlohmann::json& l : ArrayAt(*languages, "639-3")) {
    for (const char* key : {"alpha_2", "alpha_3"}) {
      std::string code = StringAt(l, key);
      if (!code.empty()) codes->languages_.insert(code);
    }
  }
  absl::StatusOr<nlohmann::json> currencies = ReadJson(dir, "iso_4217.json");
  if (!currencies.ok()) return currencies.status();
  for (const nlohmann::json& c : ArrayAt(*currencies, "4217")) {
    std::string alpha3 = StringAt(c, "alpha_3");
    if (!alpha3.empty()) codes->currencies_.insert(alpha3);
  }
  if (codes->countries_.empty() || codes->languages_.empty() ||
      codes->currencies_.empty()) {
    return absl::DataLossError(absl::StrCat("iso-codes under ", dir, " are empty"));
  }
  return codes;
}

bool IsoCodes::IsCountry(absl::string_view alpha2) const {
  return countries_.contains(alpha2);
}

std::string IsoCodes::CountryName(absl::string_view alpha2) const {
  auto it = countries_.find(alpha2);
  return it == countries_.end() ? std::string() : it->second;
}

bool IsoCodes::IsLanguage(absl::string_view code) const {
  return languages_.contains(code);
}

bool IsoCodes::IsCurrency(absl::string_view code) const {
  return currencies_.contains(code);
}

}  // namespace corridor
