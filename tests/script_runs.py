"""What a browser tab's Streamlit session is doing, read from the app's own websocket, so that a browser test can
wait for a condition ("the run my click asked for has finished") instead of sleeping.

COUNTER is a script that runs in the tab before the app's own code (Playwright's add_init_script). It wraps the
page's WebSocket and reads the top-level fields of each protobuf message on Streamlit's stream:

- sent by the page, a BackMsg whose field 11 (rerun_script) is set asks for a script run; its ClientState's field 6
  (is_auto_rerun) tells a timer's request (a fragment's run_every) from one a visitor's action made;
- sent by the server, a ForwardMsg with field 4 (new_session) starts a script run (a fragment's too), one with
  field 6 (script_finished) ends it, and one with field 21 (auto_rerun) starts a timer: its interval in seconds.

window.scriptRuns then holds: requested (runs asked for by an action), started, finished, waiting (an action's
request that no run has started since), running, open (the websocket), autoRerun (the timers' intervals), and
released: the count of requests when the mouse button was last released (a drawing asks for its run 0.2 s after).
"""

COUNTER = """(() => {
  const runs = window.scriptRuns = {requested: 0, started: 0, finished: 0, waiting: false, running: false,
                                    open: false, autoRerun: [], released: 0};
  window.addEventListener("pointerup", () => { runs.released = runs.requested; }, true);
  const fields = (bytes) => {  // {field number: varint value, or the bytes of a length-delimited field}
    const found = new Map();
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do { byte = bytes[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
      return value;
    };
    while (i < bytes.length) {
      const tag = varint(), wire = tag & 7, field = (tag - wire) / 8;
      if (wire === 0) found.set(field, varint());
      else if (wire === 2) { const n = varint(); found.set(field, bytes.subarray(i, i + n)); i += n; }
      else if (wire === 5) { found.set(field, bytes.subarray(i, i + 4)); i += 4; }
      else if (wire === 1) i += 8;
      else break;
    }
    return found;
  };
  const asBytes = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.counted = String(args[0]).includes("/_stcore/stream");
      if (!this.counted) return;
      this.addEventListener("open", () => { runs.open = true; });
      this.addEventListener("close", () => { runs.open = false; });
      this.addEventListener("message", ({data}) => {
        const bytes = asBytes(data);
        if (!bytes) return;
        const message = fields(bytes);
        if (message.has(4)) { runs.started += 1; runs.waiting = false; runs.running = true; }
        if (message.has(6)) { runs.finished += 1; runs.running = false; }
        const timer = message.get(21);
        if (timer) {
          const interval = fields(timer).get(1);
          if (interval) runs.autoRerun.push(new DataView(interval.buffer, interval.byteOffset, 4).getFloat32(0, true));
        }
      });
    }
    send(data) {
      const bytes = this.counted && asBytes(data);
      const rerun = bytes && fields(bytes).get(11);
      if (rerun && fields(rerun).get(6) !== 1) { runs.requested += 1; runs.waiting = true; }
      super.send(data);
    }
  };
})();"""

# The tab is connected, has run its script at least once, no action's request waits for its run, no run is going
# on, the page agrees (Streamlit's own attribute on its root element), and it shows what the run sent: no grey
# placeholder is left (one stands for a widget while its code loads into a fresh tab).
IDLE = """() => {
  const runs = window.scriptRuns, app = document.querySelector('[data-testid="stApp"]');
  return Boolean(runs && runs.open && runs.finished > 0 && !runs.waiting && !runs.running
                 && app && app.dataset.testScriptState === 'notRunning'
                 && !document.querySelector('[data-testid="stSkeleton"]'));
}"""

# IDLE, and the page has asked for a run since the mouse button was last released.
IDLE_AFTER_RELEASE = "() => window.scriptRuns.requested > window.scriptRuns.released && (" + IDLE + ")()"

# Nothing on the page is still moving: no element left from the run before (Streamlit fades those while a run
# goes on), no transition or animation running that will end (a spinner's endless one is not waited for).
STILL = """() => !document.querySelector('[data-stale="true"]') && document.getAnimations().every(
  a => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)"""
