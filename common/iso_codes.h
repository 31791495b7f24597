#ifndef CORRIDOR_COMMON_ISO_CODES_H_
#define CORRIDOR_COMMON_ISO_CODES_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace corridor {

// Default location of Debian's iso-codes JSON files.
inline constexpr absl::string_view kDefaultIsoCodesDir = "/usr/share/iso-codes/json";

// ISO 3166-1 countries, ISO 639 languages and ISO 4217 currencies, read once
// from Debian's iso-codes package. Immutable after Load; thread-safe.
class IsoCodes {
 public:
  // Reads iso_3166-1.json, iso_639-3.json and iso_4217.json from `dir`.
  // NOT_FOUND when a file is missing, DATA_LOSS when one does not parse.
  static absl::StatusOr<std::unique_ptr<IsoCodes>> Load(
      absl::string_view dir = kDefaultIsoCodesDir);

  // True for an upper-case alpha-2 code that ISO 3166-1 assigns ("GB", not "UK").
  bool IsCountry(absl::string_view alpha2) const;
  // The English short name of a country, or "" when unknown.
  std::string CountryName(absl::string_view alpha2) const;
  // True for a lower-case ISO 639-1 alpha-2 code or ISO 639-3 alpha-3 code.
  bool IsLanguage(absl::string_view code) const;
  // True for an upper-case ISO 4217 alphabetic code.
  bool IsCurrency(absl::string_view code) const;

  size_t country_count() const { return countries_.size(); }
  size_t language_count() const { return languages_.size(); }

 private:
  IsoCodes() = default;
  absl::flat_hash_map<std::string, std::string> countries_;
  absl::flat_hash_set<std::string> languages_;
  absl::flat_hash_set<std::string> currencies_;
};

}  // namespace corridor

#endif  // CORRIDOR_COMMON_ISO_CODES_H_
