"""A link reproduces a run: the pages' settings live in the address (st.query_params).

/training?alpha=0.5&hidden_sizes=32&method=mini-batch&seed=3 opens the Training page with those settings. A page
reads the address when it changed since the page last wrote it (a link was opened, or typed in), checks each
value (nn_core.persistence.CHECKS for the hyperparameters), sets its controls before they are drawn, and after
the controls writes their values back, so the address always mirrors the controls. A value that is not allowed
falls back to its default with a warning naming it; the rest of the link still applies.

The Training page writes every hyperparameter, defaults included: a link then means the same run even if a
default changes one day. The pure functions (text <-> Hyperparams) come first, then the page side.
"""

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, fields
from urllib.parse import urlencode, urlparse

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import state, widgets
from nn_core.persistence import CHECKS
from nn_core.training import Hyperparams

HYPERPARAMS = tuple(f.name for f in fields(Hyperparams))  # hidden_sizes, activation, alpha, ...
DEFAULTS = Hyperparams()
APP_WIDE = ("presenter",)  # names any page may carry (app.py owns them)
LOCKED = "address_locked"  # session key: the hyperparameters a teacher's link locked (?lock=alpha,hidden_sizes)
SEEN = "address_seen"  # session key: {name: the text this session last read or wrote for it}
READ_ON = "address_read_on"  # session key: {names: the page on which they were last read from the address}
TRUE, FALSE = ("1", "true", "on", "yes"), ("0", "false", "off", "no")


# ---------------------------------------------------------------------------------------------------------
# Text in the address <-> values
# ---------------------------------------------------------------------------------------------------------


def as_text(value):
    """How a value is written in the address: 0.1, 32,32 (hidden sizes), 1 / 0 (on / off), mini-batch."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(map(as_text, value))
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)
    return str(value)


def _typed(name, text):
    """The address's text for one hyperparameter as the type its check expects; text that is not even a
    number stays text, and the check then says what it should have been."""
    default = getattr(DEFAULTS, name)
    if isinstance(default, tuple):
        return tuple(_number(int, part) for part in text.split(","))
    if isinstance(default, bool):
        return True if text.lower() in TRUE else False if text.lower() in FALSE else text
    if isinstance(default, (int, float)):
        return _number(type(default), text)
    return text


def _number(kind, text):
    try:
        return kind(text.strip())
    except ValueError:
        return text


def hyperparam_from_text(name, text):
    """One checked hyperparameter from the address: alpha "0.5" -> 0.5, hidden_sizes "32,32" -> (32, 32).
    Raises ValueError saying what is wrong (out of range, not a number, not one of the choices)."""
    return CHECKS[name](_typed(name, text))


def hyperparams_from_address(params, base=DEFAULTS):
    """Hyperparams from {name: text} over `base` (what the controls show now), and the problems found.

    A bad value takes its default (Hyperparams()) and adds a warning; an unknown name adds a warning too.
    Returns (Hyperparams, [warning, ...]).
    """
    changes, problems = {}, []
    for name, text in params.items():
        if name not in HYPERPARAMS:
            problems.append(unknown(name, text, HYPERPARAMS))
            continue
        try:
            changes[name] = hyperparam_from_text(name, text)
        except ValueError as error:
            changes[name] = getattr(DEFAULTS, name)
            problems.append(f"**{name}={text}** in the link was not used: {error} It is back to its default, "
                            f"{name}={as_text(changes[name])}.")
    return base.with_changes(**changes), problems


def address_of(hp: Hyperparams):
    """Every hyperparameter as text for the address (defaults too), in the order of the dataclass."""
    return {name: as_text(getattr(hp, name)) for name in HYPERPARAMS}


def unknown(name, text, known):
    return (f"**{name}={text}** in the link was ignored: this page has no setting called “{name}”. "
            f"Its settings are: {', '.join(known)}.")


# ---------------------------------------------------------------------------------------------------------
# The page side: read the address once per arrival, write it after the controls
# ---------------------------------------------------------------------------------------------------------


def arrived(names):
    """{name: text} of the address for `names` whose text changed since this session last read or wrote it, read
    once, when the visitor arrives with a link on the page that reads them; {} on every later run, where the
    controls, not the address, are current. (The browser sends its address with each rerun, and after a quick
    series of key presses on a slider that address can lag behind the controls: read then, it would move the
    slider back. A link opened later comes in a new browser page, which is a new session.)"""
    page, read_on = _page(), st.session_state.setdefault(READ_ON, {})
    if read_on.get(names := tuple(names)) == page:
        return {}
    read_on[names] = page
    seen = st.session_state.get(SEEN, {})
    return {name: st.query_params[name] for name in names
            if name in st.query_params and st.query_params[name] != seen.get(name)}


def _page():
    """The page this script run draws (its script's hash; "" outside a server)."""
    context = get_script_run_ctx()
    return context.page_script_hash if context is not None else ""


def strangers(names, keep=()):
    """{name: text} of the address that belong to no setting of this page (nor to the whole app)."""
    return {name: st.query_params[name] for name in st.query_params
            if name not in names and name not in APP_WIDE and name not in keep}


def write(values, drop=()):
    """Make the address show `values` ({name: text}; None removes the name) and forget the names in `drop`."""
    seen = st.session_state.setdefault(SEEN, {})
    for name, text in values.items():
        if text is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != text:
            st.query_params[name] = text
        seen[name] = text
    for name in drop:
        st.query_params.pop(name, None)


def follow_hyperparams(read: Callable[[], Hyperparams], apply: Callable[[Hyperparams], None]):
    """On arrival with a link, move the Training page's controls to the link's hyperparameters.

    read : the one place that builds Hyperparams from the controls. apply : moves the controls to Hyperparams
    (before they are drawn). Returns the arrival for mirror_hyperparams (None on an ordinary rerun), which
    warns, here on the page, about each bad or unknown parameter and each value the controls could not take.
    """
    # The place of the warnings is on the page at every run, empty but for an arrival's: the parts below keep their
    # places from run to run (a part that moves between two runs can break the redraw of a fragment asked for
    # before it moved: Streamlit's page then stops with "'setIn' cannot be called on an ElementNode").
    place = st.container()
    asked = arrived((*HYPERPARAMS, "lock")) | strangers(HYPERPARAMS, keep=("lock",))
    if not asked:
        return None
    st.session_state.setdefault(SEEN, {}).update(asked)
    hp, problems = hyperparams_from_address({k: v for k, v in asked.items() if k != "lock"}, read())
    problems += follow_lock(st.query_params.get("lock"))
    if "dev_size" in asked:
        state.set_dev_size(hp.dev_size, "link")  # so that the page offers this size
    apply(hp)
    return {"asked": asked, "hp": hp, "problems": problems, "place": place}


def mirror_hyperparams(hp: Hyperparams, arrival=None):
    """After the controls: the address shows every hyperparameter (and only those, and the app-wide names).
    After an arrival, say which values of the link could not be used, and why."""
    if arrival:
        problems, wanted = arrival["problems"], arrival["hp"]
        for name, text in arrival["asked"].items():
            bad = any(problem.startswith(f"**{name}=") for problem in problems)
            if name in HYPERPARAMS and not bad and getattr(hp, name) != getattr(wanted, name):
                problems.append(f"**{name}={text}**: the controls on this page do not offer this value, so "
                                f"they show the closest they can: {name}={as_text(getattr(hp, name))}.")
        with arrival["place"]:
            for problem in problems:
                st.warning("🔗 " + problem)
    locks = locked()
    write({**address_of(hp), "lock": ",".join(sorted(locks)) if locks else None},
          drop=strangers(HYPERPARAMS, keep=("lock",)))


def follow_lock(text):
    """A link's ?lock=alpha,hidden_sizes: those hyperparameters are set by the teacher, and their controls are off
    for this visitor (until a link without them arrives). Returns the problems: names that are no setting."""
    names = [name.strip() for name in (text or "").split(",") if name.strip()]
    st.session_state[LOCKED] = frozenset(name for name in names if name in HYPERPARAMS)
    return [f"**lock={name}** in the link was ignored: this page has no setting called “{name}”. The ones a "
            f"link can lock: {', '.join(HYPERPARAMS)}." for name in names if name not in HYPERPARAMS]


def locked():
    """The hyperparameters a teacher's link locked on this visitor's Training page (a frozenset of names)."""
    return st.session_state.get(LOCKED, frozenset())


def link_box(path):
    """"🔗 Copy a link to these settings": the address of this page with its settings, with a copy button, and a
    warning when the address is this computer's own (the students' laptops cannot open it)."""
    box = st.expander("🔗 Copy a link to these settings", key=f"{path}_link_box", on_change="rerun")
    if not box.open:  # the link is written when the box is opened (a fresh tab draws sooner without code)
        return
    query = urlencode({name: st.query_params[name] for name in st.query_params})
    base = browser_address() or f"/{path}"
    with box:
        link = f"{base.split('?')[0]}?{query}"
        st.code(link, language=None, wrap_lines=True)
        if not local_address_warning(link):
            st.caption("Send it to the class (the copy button is at the right of the link): it opens this page with "
                       "these controls. With the same seed and the same data, ▶️ Train draws the same curves.")


def browser_address():
    """The address of the app in this visitor's browser (st.context.url), or None outside a browser."""
    return st.context.url


def this_computer_only(address):
    """True when the address names the computer it is opened on (127.0.0.1, localhost, ::1, ...): typed on a
    student's laptop, it means that laptop, not the teacher's."""
    host = urlparse(address).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_address_warning(address):
    """Warn, under a link, when it is this computer's own address, and say how to serve the class. Returns True
    when it warned."""
    if not this_computer_only(address):
        return False
    st.warning(f"⚠️ **Students cannot open this link**: {urlparse(address).hostname} is this computer's own "
               "address, and on a student's laptop it means the laptop itself. To serve the class, start the app "
               "with `streamlit run app.py --server.address 0.0.0.0` and open it at the Network URL Streamlit "
               "prints (such as http://192.168.1.20:8501): give the students that address, and the links here "
               "use it too.")
    return True


# ---------------------------------------------------------------------------------------------------------
# Simpler pages: one address name per widget
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One of a page's controls in the address: ?name=text <-> st.session_state[key].

    parse : text -> the widget's value; raises ValueError saying what is wrong. default : used instead of a bad
    value.
    """

    name: str
    key: str
    parse: Callable[[str], object]
    default: object


def whole(low, high):
    """A parser of whole numbers from low to high."""
    def parse(text):
        digits = text.strip()
        # isdecimal, not isdigit: "²" is a digit that int() refuses; and int() refuses more than 4,300 digits
        if not digits.isdecimal() or len(digits.lstrip("0")) > len(str(high)) or not low <= int(digits) <= high:
            raise ValueError(f"it must be a whole number from {low:,} to {high:,}.")
        return int(digits)
    return parse


def flag(text):
    """A parser of on / off: 1, true, on, yes (or nothing, as in ?presenter) and 0, false, off, no."""
    if text.strip().lower() in (*TRUE, ""):
        return True
    if text.strip().lower() in FALSE:
        return False
    raise ValueError("it must be 1 (on) or 0 (off).")


def follow(settings, keep=(), check_names=True):
    """Before the widgets: on arrival with a link, put its values into the widgets' session-state keys.
    A bad value sets the default instead, with a warning; so does a name the page does not know."""
    names = [s.name for s in settings]
    asked = arrived(names)
    st.session_state.setdefault(SEEN, {}).update(asked)
    for setting in settings:
        if setting.name in asked:
            try:
                st.session_state[setting.key] = setting.parse(asked[setting.name])
            except ValueError as error:
                st.session_state[setting.key] = setting.default
                st.warning(f"🔗 **{setting.name}={asked[setting.name]}** in the link was not used: {error} It is "
                           f"back to its default, {setting.name}={as_text(setting.default)}.")
    for name, text in strangers(names, keep).items() if check_names else ():
        st.warning("🔗 " + unknown(name, text, names))


def mirror(settings, keep=()):
    """After the widgets: the address shows their values (and drops names this page does not know)."""
    names = [s.name for s in settings]
    write({s.name: as_text(st.session_state[s.key]) for s in settings if s.key in st.session_state},
          drop=strangers(names, keep))


# ---------------------------------------------------------------------------------------------------------
# Presenter mode: ?presenter=1 on any page
# ---------------------------------------------------------------------------------------------------------

PRESENTER = Setting("presenter", state.PRESENTER, flag, False)


def follow_presenter():
    """app.py, before its sidebar toggle: a link with ?presenter=1 opens the app in presenter mode."""
    follow([PRESENTER], check_names=False)


def mirror_presenter():
    """app.py, after the toggle: ?presenter=1 while it is on; nothing (a shorter link) while it is off."""
    write({"presenter": "1" if widgets.presenter() else None})
