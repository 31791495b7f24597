-- Tables for bench/postgres_compare.sh: the same synthetic candidates corridord holds,
-- in the relational layout a PostgreSQL user would choose (bench/postgres/to_csv.py
-- writes the CSV files). Enums are their proto numbers; levels as in the API
-- (skills 1..4, CEFR 1..6, ISCED 1..9).
SET client_min_messages = warning;
DROP TABLE IF EXISTS candidates, candidate_skills, candidate_languages, candidate_occupations,
  candidate_credentials, candidate_licences, candidate_history, vacancies, vacancy_skills,
  vacancy_languages, agencies, employers, agreements, skill_parents;

CREATE TABLE candidates (
  id text PRIMARY KEY,
  agency text NOT NULL,
  nationality text NOT NULL,
  registered bigint NOT NULL,        -- create_time in microseconds (from corridord)
  education int NOT NULL,
  consent boolean NOT NULL,          -- given and not withdrawn
  avail_from date,
  avail_until date,
  pref_destinations text[] NOT NULL,
  pref_schemes int[] NOT NULL,
  pref_isco text[] NOT NULL
);
CREATE TABLE candidate_skills (candidate_id text NOT NULL, skill_id text NOT NULL, level int NOT NULL);
CREATE TABLE candidate_languages (candidate_id text NOT NULL, lang text NOT NULL, level int NOT NULL);
CREATE TABLE candidate_occupations (candidate_id text NOT NULL, isco text NOT NULL, years int NOT NULL);
CREATE TABLE candidate_credentials (candidate_id text NOT NULL, kind text NOT NULL,
  verified boolean NOT NULL, recognised_in text[] NOT NULL);
CREATE TABLE candidate_licences (candidate_id text NOT NULL, profession text NOT NULL,
  issuing_country text NOT NULL, valid_until date);
CREATE TABLE candidate_history (candidate_id text NOT NULL, agreement text NOT NULL, outcome int NOT NULL);

CREATE TABLE vacancies (
  id text PRIMARY KEY, employer text NOT NULL, destination text NOT NULL, isco text NOT NULL,
  scheme int NOT NULL, start_day date, min_experience int NOT NULL, min_education int NOT NULL,
  required_credentials text[] NOT NULL, required_licence text, eligible_origins text[] NOT NULL,
  labour_market_test int NOT NULL, state int NOT NULL, weights float8[]);
CREATE TABLE vacancy_skills (vacancy_id text NOT NULL, ord int NOT NULL, skill_id text NOT NULL,
  min_level int NOT NULL, weight float8 NOT NULL, must_have boolean NOT NULL);
CREATE TABLE vacancy_languages (vacancy_id text NOT NULL, lang text NOT NULL, min_level int NOT NULL);
CREATE TABLE agencies (id text PRIMARY KEY, licence_valid boolean NOT NULL, licence_expiry date);
CREATE TABLE employers (id text PRIMARY KEY, suspended boolean NOT NULL);
CREATE TABLE agreements (
  id text PRIMARY KEY, destinations text[] NOT NULL, origins text[] NOT NULL, schemes int[] NOT NULL,
  scope text[] NOT NULL, in_force_from date, expiry date, reentry_bonus boolean NOT NULL,
  not_returned_ineligible boolean NOT NULL, lmt_required boolean NOT NULL, weights float8[]);
CREATE TABLE skill_parents (skill_id text PRIMARY KEY, parent text NOT NULL);
