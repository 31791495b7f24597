-- The shortlist as one SQL statement: the eligibility rules and the score of
-- docs/matching.md (matcher/evaluator.cc) over the tables of schema.sql, top 50 by
-- score (rounded to millionths, as the engine ranks), then registration, then id.
--
-- Rules mirrored: an agreement covering the vacancy's destination, scheme and occupation
-- and in force on its start, lists the candidate's nationality (NO_AGREEMENT,
-- AGREEMENT_NOT_IN_FORCE; the applied agreement is the lowest id); eligible origins;
-- employer suspended; labour-market test; languages; must-have skills; credentials
-- verified and recognised in the destination; licence issued by the destination and valid
-- on the start; availability; consent; agency licence valid today; not returned from an
-- earlier stay. Not mirrored, because they cannot fail on a freshly loaded data set (no
-- reservations, no applications, no BLOCK protections in the demo agreements):
-- QUOTA_EXHAUSTED, PROTECTED_OCCUPATION, ALREADY_PLACED.
CREATE OR REPLACE FUNCTION isco_common(a text, b text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN least(length(a), length(b)) >= 4 AND left(a, 4) = left(b, 4) THEN 4
    WHEN least(length(a), length(b)) >= 3 AND left(a, 3) = left(b, 3) THEN 3
    WHEN least(length(a), length(b)) >= 2 AND left(a, 2) = left(b, 2) THEN 2
    WHEN least(length(a), length(b)) >= 1 AND left(a, 1) = left(b, 1) THEN 1
    ELSE 0 END
$$;

PREPARE shortlist(text) AS
WITH v AS (
  SELECT vac.*, coalesce(e.suspended, false) AS employer_suspended
  FROM vacancies vac LEFT JOIN employers e ON e.id = vac.employer
  WHERE vac.id = $1
),
-- Per origin, the agreement applied: covering, in force on the start, lowest id.
terms AS (
  SELECT DISTINCT ON (o.origin) o.origin, a.id AS agreement, a.reentry_bonus,
         a.not_returned_ineligible,
         coalesce(v.weights, a.weights, '{35,20,15,10,5,5,5,5}'::float8[]) AS w,
         (a.lmt_required AND v.labour_market_test IN (0, 3)) AS lmt_fails
  FROM v, agreements a CROSS JOIN LATERAL unnest(a.origins) AS o(origin)
  WHERE v.destination = ANY (a.destinations) AND v.scheme = ANY (a.schemes)
    AND (cardinality(a.scope) = 0
         OR EXISTS (SELECT 1 FROM unnest(a.scope) p WHERE p <> '' AND starts_with(v.isco, p)))
    AND (a.in_force_from IS NULL OR a.in_force_from <= v.start_day)
    AND (a.expiry IS NULL OR v.start_day <= a.expiry)
  ORDER BY o.origin, a.id
),
eligible AS (
  SELECT c.*, t.agreement, t.reentry_bonus, t.w
  FROM v JOIN terms t ON NOT t.lmt_fails AND NOT v.employer_suspended
                     AND (cardinality(v.eligible_origins) = 0 OR t.origin = ANY (v.eligible_origins))
  JOIN candidates c ON c.nationality = t.origin
  JOIN agencies ag ON ag.id = c.agency AND ag.licence_valid AND ag.licence_expiry >= current_date
  WHERE c.consent AND c.avail_from <= v.start_day AND v.start_day <= c.avail_until
    AND NOT EXISTS (
      SELECT 1 FROM vacancy_skills r
      WHERE r.vacancy_id = v.id AND r.must_have
        AND NOT EXISTS (SELECT 1 FROM candidate_skills cs
                        WHERE cs.candidate_id = c.id AND cs.skill_id = r.skill_id
                          AND cs.level >= r.min_level))
    AND NOT EXISTS (
      SELECT 1 FROM vacancy_languages rl
      WHERE rl.vacancy_id = v.id AND rl.min_level > 0
        AND NOT EXISTS (SELECT 1 FROM candidate_languages cl
                        WHERE cl.candidate_id = c.id AND cl.lang = rl.lang
                          AND cl.level >= rl.min_level))
    AND NOT EXISTS (
      SELECT 1 FROM unnest(v.required_credentials) AS k(kind)
      WHERE NOT EXISTS (SELECT 1 FROM candidate_credentials cc
                        WHERE cc.candidate_id = c.id AND cc.kind = k.kind AND cc.verified
                          AND v.destination = ANY (cc.recognised_in)))
    AND (coalesce(v.required_licence, '') = ''
         OR EXISTS (SELECT 1 FROM candidate_licences l
                    WHERE l.candidate_id = c.id AND l.profession = v.required_licence
                      AND l.issuing_country = v.destination
                      AND (l.valid_until IS NULL OR l.valid_until >= v.start_day)))
    AND NOT (t.not_returned_ineligible
             AND EXISTS (SELECT 1 FROM candidate_history h
                         WHERE h.candidate_id = c.id AND h.outcome = 3))
),
raw AS (
  SELECT e.id, e.registered, e.w,
    -- skill_coverage: weighted credit; a missing skill earns half the best sibling's credit.
    coalesce((
      SELECT sum(r.weight * CASE
               WHEN held.level IS NOT NULL THEN least(1.0, held.level::float8 / r.min_level)
               ELSE 0.5 * coalesce((
                 SELECT max(least(1.0, cs.level::float8 / r.min_level))
                 FROM skill_parents rp
                 JOIN skill_parents sp ON sp.parent = rp.parent AND sp.skill_id <> r.skill_id
                 JOIN candidate_skills cs ON cs.candidate_id = e.id AND cs.skill_id = sp.skill_id
                 WHERE rp.skill_id = r.skill_id), 0) END) / sum(r.weight)
      FROM vacancy_skills r
      LEFT JOIN candidate_skills held ON held.candidate_id = e.id AND held.skill_id = r.skill_id
      WHERE r.vacancy_id = v.id), 1.0) AS skill_coverage,
    occ.common / 4.0 AS occupation_fit,
    least(1.0, (CASE WHEN occ.common > 0 THEN occ.years ELSE 0 END)::float8
               / greatest(2.0 * v.min_experience, 4.0)) AS experience,
    coalesce((
      SELECT avg(CASE WHEN rl.min_level >= 6 THEN (CASE WHEN coalesce(cl.level, 0) >= 6 THEN 1.0 ELSE 0.0 END)
                      ELSE greatest(0.0, least(1.0, (coalesce(cl.level, 0) - rl.min_level)::float8
                                                    / (6 - rl.min_level))) END)
      FROM vacancy_languages rl
      LEFT JOIN candidate_languages cl ON cl.candidate_id = e.id AND cl.lang = rl.lang
      WHERE rl.vacancy_id = v.id), 0.0) AS language_margin,
    CASE WHEN v.min_education = 0 THEN (CASE WHEN e.education > 0 THEN 1.0 ELSE 0.0 END)
         WHEN e.education >= v.min_education THEN 1.0
         ELSE e.education::float8 / v.min_education END AS education,
    coalesce((SELECT avg(CASE WHEN cc.verified AND v.destination = ANY (cc.recognised_in)
                              THEN 1.0 ELSE 0.0 END)
              FROM candidate_credentials cc WHERE cc.candidate_id = e.id), 0.0) AS verified_credentials,
    CASE WHEN e.reentry_bonus THEN coalesce((
      SELECT max(CASE h.outcome WHEN 1 THEN 1.0 WHEN 2 THEN 0.5 ELSE 0.0 END)
      FROM candidate_history h WHERE h.candidate_id = e.id AND h.agreement = e.agreement), 0.0)
    ELSE 0.0 END AS reentry_credit,
    CASE WHEN lists.n = 0 THEN 0.0 ELSE lists.satisfied::float8 / lists.n END AS preference_fit
  FROM eligible e CROSS JOIN v
  LEFT JOIN LATERAL (
    -- The best-fitting occupation: most shared ISCO digits, then most years.
    SELECT isco_common(o.isco, v.isco) AS common, o.years
    FROM candidate_occupations o WHERE o.candidate_id = e.id
    ORDER BY 1 DESC, 2 DESC LIMIT 1) occ0 ON true
  CROSS JOIN LATERAL (SELECT coalesce(occ0.common, 0) AS common, coalesce(occ0.years, 0) AS years) occ
  CROSS JOIN LATERAL (
    SELECT (cardinality(e.pref_destinations) > 0)::int + (cardinality(e.pref_schemes) > 0)::int
           + (cardinality(e.pref_isco) > 0)::int AS n,
           (v.destination = ANY (e.pref_destinations))::int
           + (v.scheme = ANY (e.pref_schemes))::int
           + (EXISTS (SELECT 1 FROM unnest(e.pref_isco) p
                      WHERE p <> '' AND starts_with(v.isco, p)))::int AS satisfied) lists
)
SELECT id,
       floor(((((((((skill_coverage * w[1]) + occupation_fit * w[2]) + experience * w[3])
              + language_margin * w[4]) + education * w[5]) + verified_credentials * w[6])
              + reentry_credit * w[7]) + preference_fit * w[8]) * 1e6 + 0.5)::bigint AS score_micros,
       registered
FROM raw
ORDER BY score_micros DESC, registered ASC, id ASC
LIMIT 50;
