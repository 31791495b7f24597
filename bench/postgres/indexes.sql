-- Indexes for the shortlist query (bench/postgres/shortlist.sql): candidates by
-- nationality (the origin rule picks a few nationalities), the per-candidate child
-- tables by candidate (skills also by skill for must-have lookups), then statistics.
CREATE INDEX candidates_nationality ON candidates (nationality, avail_from, avail_until) WHERE consent;
CREATE INDEX candidate_skills_candidate ON candidate_skills (candidate_id, skill_id) INCLUDE (level);
CREATE INDEX candidate_skills_skill ON candidate_skills (skill_id, level) INCLUDE (candidate_id);
CREATE INDEX candidate_languages_candidate ON candidate_languages (candidate_id, lang) INCLUDE (level);
CREATE INDEX candidate_languages_lang ON candidate_languages (lang, level) INCLUDE (candidate_id);
CREATE INDEX candidate_occupations_candidate ON candidate_occupations (candidate_id) INCLUDE (isco, years);
CREATE INDEX candidate_credentials_candidate ON candidate_credentials (candidate_id);
CREATE INDEX candidate_licences_candidate ON candidate_licences (candidate_id);
CREATE INDEX candidate_history_candidate ON candidate_history (candidate_id);
CREATE INDEX vacancy_skills_vacancy ON vacancy_skills (vacancy_id);
CREATE INDEX vacancy_languages_vacancy ON vacancy_languages (vacancy_id);
CREATE INDEX skill_parents_parent ON skill_parents (parent);
VACUUM ANALYZE;
