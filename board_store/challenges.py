"""Challenges: a target the class trains towards, checked by the server on every run the board holds (no
Streamlit here).

A challenge is a few targets on a run's recorded numbers, and a way to rank the runs that meet them:

    "dev ≥ 90% in at most 100 steps"          {"dev_at_least": 0.9, "steps_at_most": 100}, ranked by dev accuracy
    "the fewest hidden units that reach 85%"  {"dev_at_least": 0.85}, ranked by hidden units (fewest first)

The teacher posts it; every run posted while it is open counts. The numbers are those the board recorded when the
run was posted (board_store.summary), so a student's page cannot claim a result: `meets` reads the stored row.
Closing a challenge keeps it and its results on the board, read-only.
"""

import json
import math
import time

from sqlalchemy import select, update

from board_store.schema import challenges, current_board

# What a challenge can ask of a run, in the words the page uses. Accuracies are fractions (0.9 is 90%).
TARGETS = {
    "dev_at_least": "dev accuracy at least",
    "steps_at_most": "steps at most",
    "units_at_most": "hidden units at most",
    "alpha_at_least": "α at least",
    "alpha_at_most": "α at most",
    "method": "way of training",
    "network": "network",
    "data": "data",
}
# How the runs that meet it are ranked: the first key decides, the next ones break ties.
RANKINGS = {
    "dev": "the best dev accuracy",
    "units": "the fewest hidden units",
    "steps": "the fewest steps",
}
METHODS = ("full-batch", "mini-batch")
COUNTED = ("finished", "stopped")  # a stopped run counts with the numbers it had when stopped
MOST_UNITS = 4096  # a hidden-unit target above this is a typing mistake, not a challenge
MOST_STEPS = 1_000_000
MAX_TITLE = 120  # characters


class ChallengeError(ValueError):
    """A challenge that cannot be posted (dev above 100%, 0 steps, no target at all): the message says which."""


def _number(targets, name, whole=False):
    value = targets.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ChallengeError(f"“{TARGETS[name]}” must be a number, not {value!r}.")
    if whole and value != int(value):
        raise ChallengeError(f"“{TARGETS[name]}” must be a whole number, not {value:g}.")
    return int(value) if whole else float(value)


def clean_challenge(challenge):
    """A challenge as the board keeps it, checked: {"title", "targets", "ranked_by"}. Raises ChallengeError for
    numbers no run can reach or that mean nothing: dev accuracy outside 0 to 100%, fewer than 1 step or hidden
    unit, α not above 0, α at least more than α at most, an unknown way of training, or no target at all."""
    given = challenge.get("targets") or {}
    unknown = set(given) - set(TARGETS)
    if unknown:
        raise ChallengeError(f"A challenge cannot ask for {', '.join(sorted(unknown))}.")
    targets = {}
    dev = _number(given, "dev_at_least")
    if dev is not None:
        if not 0 < dev <= 1:
            raise ChallengeError(f"A dev accuracy of {100 * dev:g}% cannot be reached: it is between 0 and 100%.")
        targets["dev_at_least"] = dev
    for name, most in (("steps_at_most", MOST_STEPS), ("units_at_most", MOST_UNITS)):
        value = _number(given, name, whole=True)
        if value is not None:
            if not 1 <= value <= most:
                raise ChallengeError(f"“{TARGETS[name]} {value:,}” cannot be met: it is a whole number from 1 to "
                                     f"{most:,}.")
            targets[name] = value
    for name in ("alpha_at_least", "alpha_at_most"):
        value = _number(given, name)
        if value is not None:
            if value <= 0:
                raise ChallengeError(f"“{TARGETS[name]} {value:g}”: a learning rate is above 0.")
            targets[name] = value
    if targets.get("alpha_at_least", 0) > targets.get("alpha_at_most", math.inf):
        low, high = targets["alpha_at_least"], targets["alpha_at_most"]
        raise ChallengeError(f"No α is at least {low:g} and at most {high:g}.")
    for name in ("method", "network", "data"):
        if given.get(name):
            targets[name] = str(given[name])
    if targets.get("method", METHODS[0]) not in METHODS:
        raise ChallengeError(f"The way of training is {' or '.join(METHODS)}, not {targets['method']!r}.")
    if not set(targets) - {"data"}:
        raise ChallengeError("A challenge needs at least one target (a dev accuracy, a number of steps or units, "
                             "a range of α, a way of training or a network).")
    ranked_by = challenge.get("ranked_by") or "dev"
    if ranked_by not in RANKINGS:
        raise ChallengeError(f"Runs are ranked by {', '.join(RANKINGS)}, not {ranked_by!r}.")
    title = " ".join(str(challenge.get("title") or "").split())[:MAX_TITLE] or describe(targets, ranked_by)
    return {"title": title, "targets": targets, "ranked_by": ranked_by}


def describe(targets, ranked_by):
    """A challenge in words: "dev ≥ 90% · at most 100 steps · ranked by the best dev accuracy"."""
    words = []
    if "dev_at_least" in targets:
        words.append(f"dev ≥ {100 * targets['dev_at_least']:g}%")
    if "steps_at_most" in targets:
        words.append(f"at most {targets['steps_at_most']:,} steps")
    if "units_at_most" in targets:
        words.append(f"at most {targets['units_at_most']:,} hidden units")
    low, high = targets.get("alpha_at_least"), targets.get("alpha_at_most")
    if low is not None and high is not None:
        words.append(f"{low:g} ≤ α ≤ {high:g}")
    elif low is not None:
        words.append(f"α ≥ {low:g}")
    elif high is not None:
        words.append(f"α ≤ {high:g}")
    if "method" in targets:
        words.append(targets["method"])
    if "network" in targets:
        words.append(f"network {targets['network']}")
    if "data" in targets:
        words.append(f"on the {targets['data']}")
    return " · ".join(words + [f"ranked by {RANKINGS[ranked_by]}"])


def network_of(run):
    """A run's layer sizes as the board and a challenge name them: "784-10-10"."""
    return "-".join(map(str, run["hyperparams"].layer_sizes))


def misses(targets, run):
    """What a run (a board row) lacks to meet the targets, in words: [] when it meets them all."""
    missing = []
    if run["status"] not in COUNTED or run["dev_accuracy"] is None:
        return [f"it {run['status']}" if run["status"] != "stopped" else "no dev accuracy"]
    if run["dev_accuracy"] < targets.get("dev_at_least", 0):
        missing.append(f"dev {100 * run['dev_accuracy']:.1f}% < {100 * targets['dev_at_least']:g}%")
    if run["steps"] > targets.get("steps_at_most", math.inf):
        missing.append(f"{run['steps']:,} steps > {targets['steps_at_most']:,}")
    if run["hidden_units"] > targets.get("units_at_most", math.inf):
        missing.append(f"{run['hidden_units']:,} hidden units > {targets['units_at_most']:,}")
    if run["alpha"] < targets.get("alpha_at_least", 0):
        missing.append(f"α {run['alpha']:g} < {targets['alpha_at_least']:g}")
    if run["alpha"] > targets.get("alpha_at_most", math.inf):
        missing.append(f"α {run['alpha']:g} > {targets['alpha_at_most']:g}")
    if targets.get("method", run["method"]) != run["method"]:
        missing.append(f"{run['method']}, not {targets['method']}")
    if targets.get("network", network_of(run)) != network_of(run):
        missing.append(f"network {network_of(run)}, not {targets['network']}")
    if targets.get("data", run["data"]) != run["data"]:
        missing.append(f"trained on the {run['data']}, not the {targets['data']}")
    return missing


def rank_key(ranked_by, run):
    """Sorting key: smaller is better. Ties go to the higher dev accuracy, then to the earlier run."""
    dev = -run["dev_accuracy"]
    first = {"dev": dev, "units": run["hidden_units"], "steps": run["steps"]}[ranked_by]
    return (first, dev, run["number"])


def during(challenge, runs):
    """The runs posted while the challenge was open (board rows, oldest first)."""
    closed = challenge["closed"] if challenge["closed"] is not None else math.inf
    return [run for run in runs if challenge["posted"] <= run["posted"] <= closed]


def leaderboard(challenge, runs):
    """Each student's best run that meets the challenge, best first: [{"rank", "who", "visitor", "run"}, ...],
    from the board's rows (runs). Students with equal numbers share a rank."""
    targets, ranked_by = challenge["challenge"]["targets"], challenge["challenge"]["ranked_by"]
    best = {}
    for run in during(challenge, runs):
        if not misses(targets, run):
            kept = best.get(run["visitor"])
            if kept is None or rank_key(ranked_by, run) < rank_key(ranked_by, kept):
                best[run["visitor"]] = run
    ordered = sorted(best.values(), key=lambda run: rank_key(ranked_by, run))
    rows, previous = [], None
    for place, run in enumerate(ordered, start=1):
        shown = rank_key(ranked_by, run)[:2]
        rank = rows[-1]["rank"] if previous == shown else place
        rows.append({"rank": rank, "who": run["who"], "visitor": run["visitor"], "run": run})
        previous = shown
    return rows


def standing(challenge, runs, visitor):
    """Where a student stands: {"rank", "of", "run"} for their best run that meets the challenge; else
    {"rank": None, "of", "run": their closest run (the best dev accuracy) or None, "misses": [...]}."""
    board = leaderboard(challenge, runs)
    for row in board:
        if row["visitor"] == visitor:
            return {"rank": row["rank"], "of": len(board), "run": row["run"], "misses": []}
    mine = [run for run in during(challenge, runs) if run["visitor"] == visitor and run["dev_accuracy"] is not None]
    closest = max(mine, key=lambda run: (run["status"] in COUNTED, run["dev_accuracy"]), default=None)
    return {"rank": None, "of": len(board), "run": closest,
            "misses": misses(challenge["challenge"]["targets"], closest) if closest else []}


class Challenges:
    """The challenges' part of a Board (board_store.store.Board inherits it): every method is one transaction."""

    def post_challenge(self, challenge, now=None):
        """Open a challenge on the current board (several can be open at once)."""
        challenge = clean_challenge(challenge)
        with self._writing() as connection:
            connection.execute(challenges.insert().values(board=current_board().scalar_subquery(),
                                                          posted=time.time() if now is None else now,
                                                          challenge=json.dumps(challenge)))

    def close_challenge(self, challenge_id, now=None):
        """Stop counting new runs: the challenge and its leaderboard stay on the board."""
        with self._writing() as connection:
            connection.execute(update(challenges).where(challenges.c.id == challenge_id, challenges.c.closed.is_(None))
                               .values(closed=time.time() if now is None else now))

    def challenges(self, board=None):
        """The challenges of a board (the current one by default), newest first: [{"id", "posted", "closed",
        "challenge" (dict)}, ...]."""
        if not self.exists():
            return []
        with self._reading() as connection:
            rows = connection.execute(
                select(challenges.c.id, challenges.c.posted, challenges.c.closed, challenges.c.challenge)
                .where(challenges.c.board == (board or current_board().scalar_subquery()))
                .order_by(challenges.c.id.desc())).mappings().all()
        return [{**dict(row), "challenge": json.loads(row["challenge"])} for row in rows]
