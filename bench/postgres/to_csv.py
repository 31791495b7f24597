#!/usr/bin/env python3
"""Turns a `corridor demo generate` data set into CSV files for bench/postgres/schema.sql.

Usage: to_csv.py DEMO_DIR ESCO_DIR PROTO_DIR REGISTERED_TSV OUT_DIR

REGISTERED_TSV holds "id<TAB>create_time in microseconds" per candidate, as written by
`shortlist_load --dump-registered` from the corridord that holds the same data: the
registration time is the ranking's first tie-break and is set by the server at import.
Standard library only. Enum names become their numbers, read from the .proto files.
Skill parents follow matcher/taxonomy.cc (Taxonomy::LoadEsco): the skills hierarchy
first, then skillGroups_en.csv, then the collection files' first broaderConceptUri; the
first file row naming a skill decides its parent, later rows only fill an empty one.
"""
import csv
import glob
import json
import os
import re
import sys


def enums(proto_dir):
    values = {}
    for path in glob.glob(os.path.join(proto_dir, "*.proto")):
        for name, number in re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*(\d+)\s*;", open(path).read(), re.M):
            values[name] = int(number)
    return values


def skill_parents(esco_dir):
    parent = {}
    seen = set()

    def add(skill, par):
        if par == skill:
            par = ""
        first = skill not in seen
        seen.add(skill)
        if par and (first or not parent.get(skill)):
            parent[skill] = par

    last = lambda uri: uri.rstrip("/").rsplit("/", 1)[-1]
    with open(os.path.join(esco_dir, "skillsHierarchy_en.csv"), newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            par = ""
            for level in range(4):
                uri = row.get(f"Level {level} URI", "")
                if not uri:
                    continue
                sid = last(uri)
                add(sid, par)
                par = sid
    files = [("skillGroups_en.csv", False), ("languageSkillsCollection_en.csv", True),
             ("ictSkillsCollection_en.csv", True), ("transversalSkillsCollection_en.csv", True)]
    for name, has_broader in files:
        path = os.path.join(esco_dir, name)
        if not os.path.exists(path):
            continue
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                sid = last(row["conceptUri"])
                par = ""
                if has_broader:
                    first = row.get("broaderConceptUri", "").split("|")[0].strip()
                    if first:
                        par = last(first)
                add(sid, par)
    return parent


def bare(name):
    return name.rsplit("/", 1)[-1] if name else ""


def day(d):
    if not d or not d.get("year"):
        return ""
    return "%04d-%02d-%02d" % (d["year"], d.get("month", 1), d.get("day", 1))


def arr(items):
    # PostgreSQL array literal; the values here never hold quotes, commas or braces.
    return "{" + ",".join(str(x) for x in items) + "}"


def enum(values, v):
    if v is None or v == "":
        return 0
    return v if isinstance(v, int) else values[v]


def main():
    demo, esco, proto, registered_tsv, out = sys.argv[1:6]
    os.makedirs(out, exist_ok=True)
    E = enums(proto)

    registered = {}
    with open(registered_tsv) as f:
        for line in f:
            cid, micros = line.rstrip("\n").split("\t")
            registered[cid] = micros

    def writer(name):
        return csv.writer(open(os.path.join(out, name + ".csv"), "w", newline=""))

    w = {n: writer(n) for n in ("candidates", "candidate_skills", "candidate_languages",
                                "candidate_occupations", "candidate_credentials",
                                "candidate_licences", "candidate_history")}
    missing = 0
    with open(os.path.join(demo, "candidates.jsonl")) as f:
        for line in f:
            if not line.strip():
                continue
            c = json.loads(line)
            cid = bare(c["name"])
            reg = registered.get(cid)
            if reg is None:
                missing += 1
                continue
            consent = c.get("consent", {})
            ok = bool(consent.get("givenTime")) and not consent.get("withdrawnTime")
            av = c.get("availability", {})
            pref = c.get("preferences", {})
            w["candidates"].writerow([
                cid, bare(c.get("agency", "")), c.get("nationality", ""), reg,
                enum(E, c.get("education")), "t" if ok else "f",
                day(av.get("start")), day(av.get("end")),
                arr(pref.get("destinations", [])),
                arr(enum(E, s) for s in pref.get("schemes", [])),
                arr(pref.get("iscoCodes", []))])
            levels = {}
            for s in c.get("skills", []):
                levels[s["skillId"]] = max(levels.get(s["skillId"], 0), s.get("level", 0))
            for sid, lv in levels.items():
                w["candidate_skills"].writerow([cid, sid, lv])
            langs = {}
            for l in c.get("languages", []):
                code = l["languageCode"]
                langs[code] = max(langs.get(code, 0), enum(E, l.get("level")))
            for code, lv in langs.items():
                w["candidate_languages"].writerow([cid, code, lv])
            for o in c.get("occupations", []):
                w["candidate_occupations"].writerow([cid, o.get("iscoCode", ""), o.get("experienceYears", 0)])
            for cr in c.get("credentials", []):
                w["candidate_credentials"].writerow([
                    cid, cr.get("kind", ""), "t" if cr.get("verified") else "f",
                    arr(cr.get("recognisedIn", []))])
            for li in c.get("licences", []):
                w["candidate_licences"].writerow([cid, li.get("profession", ""),
                                                  li.get("issuingCountry", ""), day(li.get("validUntil"))])
            for h in c.get("history", []):
                w["candidate_history"].writerow([cid, bare(h.get("agreement", "")),
                                                 enum(E, h.get("returnOutcome"))])
    if missing:
        print(f"to_csv: {missing} candidates of the file are not on the server; left out", file=sys.stderr)

    wv, ws, wl = writer("vacancies"), writer("vacancy_skills"), writer("vacancy_languages")
    with open(os.path.join(demo, "vacancies.jsonl")) as f:
        for line in f:
            if not line.strip():
                continue
            v = json.loads(line)
            vid = bare(v["name"])
            weights = v.get("scoreWeights")
            wv.writerow([
                vid, bare(v.get("employer", "")), v.get("destination", ""), v.get("iscoCode", ""),
                enum(E, v.get("scheme")), day(v.get("window", {}).get("start")),
                max(0, v.get("minExperienceYears", 0)), enum(E, v.get("minEducation")),
                arr(v.get("requiredCredentials", [])), v.get("requiredLicence", ""),
                arr(v.get("eligibleOrigins", [])), enum(E, v.get("labourMarketTest")),
                enum(E, v.get("state")), weights_arr(weights)])
            for i, s in enumerate(v.get("requiredSkills", [])):
                ws.writerow([vid, i, s["skillId"], min(4, max(1, s.get("minLevel", 0))),
                             max(1, s.get("weight", 0)), "t" if s.get("mustHave") else "f"])
            for l in v.get("requiredLanguages", []):
                wl.writerow([vid, l["languageCode"], min(6, max(0, enum(E, l.get("minLevel"))))])

    wa = writer("agencies")
    for line in open(os.path.join(demo, "agencies.jsonl")):
        a = json.loads(line)
        wa.writerow([bare(a["name"]), "t" if a.get("licenceStatus") == "LICENCE_STATUS_VALID" else "f",
                     day(a.get("licenceExpiry"))])
    we = writer("employers")
    for line in open(os.path.join(demo, "employers.jsonl")):
        e = json.loads(line)
        we.writerow([bare(e["name"]), "t" if e.get("standing") == "EMPLOYER_STANDING_SUSPENDED" else "f"])
    wg = writer("agreements")
    for line in open(os.path.join(demo, "agreements.jsonl")):
        a = json.loads(line)
        wg.writerow([
            bare(a["name"]), arr(a.get("destinations", [])), arr(a.get("origins", [])),
            arr(enum(E, s) for s in a.get("schemes", [])), arr(a.get("occupationScope", [])),
            day(a.get("inForceFrom")), day(a.get("expiryDate")),
            "t" if a.get("reentryPolicy") == "REENTRY_POLICY_SCORE_BONUS" else "f",
            "t" if a.get("notReturnedIneligible") else "f",
            "t" if a.get("labourMarketTestRequired") else "f",
            weights_arr(a.get("scoreWeights"))])
    wp = writer("skill_parents")
    for sid, par in skill_parents(esco).items():
        wp.writerow([sid, par])


WEIGHT_FIELDS = ["skillCoverage", "occupationFit", "experience", "languageMargin",
                 "education", "verifiedCredentials", "reentryCredit", "preferenceFit"]


def weights_arr(w):
    # Unset or all zero: NULL (the next level's weights apply), as matcher::ResolveWeights.
    if not w or not any(w.get(k, 0) for k in WEIGHT_FIELDS):
        return ""
    return arr(float(w.get(k, 0)) for k in WEIGHT_FIELDS)


if __name__ == "__main__":
    main()
