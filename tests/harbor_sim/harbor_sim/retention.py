"""Tag retention: the launcher and the per-repository job (src/pkg/retention/launcher.go, job.go,
policy/alg/or/processor.go, policy/action/performer.go, policy/rule/*/evaluator.go).

The launcher gives every repository selected by an enabled rule's repository selectors one task
with the rules that selected it. In a task, each rule's tag selectors then its template pick the
artifacts it retains; artifacts no rule retains are deleted, except immutable ones (reported as
IMMUTABLE); a dry run deletes nothing.
"""

from __future__ import annotations

import datetime
import time

from . import immutable, selectors

DAY = 24 * 3600
# the registered templates (rule/index) -> the factory's default parameter (None: no parameter)
TEMPLATES = {
    "latestPushedK": 10, "latestPulledN": 10, "latestActiveK": 10, "lastXDays": 10,
    "nDaysSinceLastPull": 30, "nDaysSinceLastPush": 30, "always": None,
}


class RetentionError(Exception):
    """The task ends in Error with this message in its log."""


def _epoch(stamp):
    if not stamp or stamp.startswith("0001-"):
        return 0
    return int(datetime.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def _param(rule):
    """The rule's integer parameter (the factory's default when missing, not an integer or < 0)."""
    template = rule.get("template") or ""
    if not template:
        raise RetentionError("empty rule template ID")
    if template not in TEMPLATES:
        raise RetentionError(f"rule evaluator {template} is not registered")
    default = TEMPLATES[template]
    if default is None:
        return None
    params = rule.get("params") or {}
    if template not in params:
        raise RetentionError(f"missing required parameter {template} for rule {template}")
    value = params[template]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def evaluate(rule, candidates, now=None):
    """The template's evaluator over candidates already narrowed by the tag selectors."""
    n = _param(rule)
    template = rule["template"]
    now = time.time() if now is None else now
    if template == "always":
        return list(candidates)
    if template in ("latestPushedK", "latestPulledN", "latestActiveK"):
        key = {"latestPushedK": lambda c: c["pushed"], "latestPulledN": lambda c: c["pulled"],
               "latestActiveK": lambda c: max(c["pulled"], c["pushed"])}[template]
        return sorted(candidates, key=key, reverse=True)[:n]
    if template == "lastXDays":
        return [c for c in candidates if c["pushed"] > now - n * DAY]
    field = "pulled" if template == "nDaysSinceLastPull" else "pushed"
    return [c for c in candidates if c[field] >= now - n * DAY]


def repository_rules(dataplane, policy, project):
    """Launch(): repository name -> the enabled rules whose repository selectors select it."""
    repos = [{"repository": r["name"].split("/", 1)[1], "namespace": project["name"], "tags": [],
              "full": r["name"]} for r in dataplane.artifacts.repositories(project["name"])]
    out = {}
    for rule in policy.get("rules") or []:
        if rule.get("disabled"):
            continue
        chosen = list(repos)
        for sel in (rule.get("scope_selectors") or {}).get("repository") or []:
            _check_kind(sel)
            chosen = selectors.select(chosen, sel.get("decoration", ""), sel.get("pattern", ""),
                                      sel.get("extras", ""))
        for repo in chosen:
            out.setdefault(repo["full"], []).append(rule)
    return out


def _check_kind(sel):
    if sel.get("kind") != "doublestar":
        raise RetentionError(f"selector {sel.get('kind')} is not registered")


def candidates(dataplane, project, repository):
    """GetCandidates: the repository's artifacts with their tags and latest push/pull times."""
    store = dataplane.artifacts
    row = store.repository(repository)
    out = []
    for art in store.top_level_artifacts(row["id"]) if row else []:
        tags = store.tags_of(art["id"])
        pushed = max([_epoch(art["push_time"])] + [_epoch(t["push_time"]) for t in tags])
        pulled = max([_epoch(art.get("pull_time"))] + [_epoch(t.get("pull_time")) for t in tags])
        out.append({"digest": art["digest"], "tags": [t["name"] for t in tags], "pushed": pushed,
                    "pulled": pulled, "created": _epoch(art["push_time"]), "namespace": project["name"],
                    "repository": repository.split("/", 1)[1], "project_id": project["project_id"]})
    return out


def run_task(dataplane, db, project, repository, rules, dry_run, log):
    """One repository: returns (total, retained). Deletes through the data plane (events fire)."""
    log.info(f"Run retention process.\n Repository: {repository} \n Rule Algorithm: or \n Dry Run: "
             f"{str(dry_run).lower()}")
    every = candidates(dataplane, project, repository)
    log.info(f"Load {len(every)} candidates from repository {repository}")
    retained = set()
    for rule in rules:
        if rule.get("action") != "retain":
            raise RetentionError(f"get action performer by metadata: action {rule.get('action')} is not registered")
        picked = every
        for sel in rule.get("tag_selectors") or []:
            _check_kind(sel)
            picked = selectors.select(picked, sel.get("decoration", ""), sel.get("pattern", ""),
                                      sel.get("extras", ""))
        retained.update(c["digest"] for c in evaluate(rule, picked))
    marks, deleted = {}, 0
    for cand in every:
        if cand["digest"] in retained:
            marks[cand["digest"]] = "RETAIN"
        elif immutable.matches(db, project["project_id"], cand["repository"], cand["tags"]):
            marks[cand["digest"]] = "IMMUTABLE"
        else:
            if not dry_run:
                dataplane.delete_artifact(repository, cand["digest"])
            marks[cand["digest"]] = "DEL"
            deleted += 1
    _log_table(log, every, marks)
    for cand in every:
        if marks[cand["digest"]] == "IMMUTABLE":
            log.info(f"Retention error for artifact image:{cand['namespace']}/{cand['repository']}:"
                     f"{cand['digest']} : immutable")
    return len(every), len(every) - deleted


def _log_table(log, every, marks):
    def t(epoch):
        return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(epoch)) if epoch > 0 else ""

    rows = [["Digest", "Tag", "Kind", "Labels", "PushedTime", "PulledTime", "CreatedTime", "Retention"]]
    rows += [[c["digest"], ",".join(c["tags"]), "image", "", t(c["pushed"]), t(c["pulled"]), t(c["created"]),
              marks[c["digest"]]] for c in every]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(v.ljust(w) for v, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    log.info("\n" + "\n".join(lines) + "\n")
