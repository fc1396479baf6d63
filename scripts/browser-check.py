#!/usr/bin/env python3
"""Opens an HTML file in headless Chromium over the DevTools protocol and reports, as
JSON on stdout, what a reader would see: console errors and exceptions, every chart
(<svg class="chart">) with the share of its pixels that are not background, and
optionally a PNG screenshot of the page's top.

    scripts/browser-check.py REPORT.html [--screenshot OUT.png [--top PIXELS] [--height PIXELS]]

Only the standard library: the protocol runs over --remote-debugging-pipe (fd 3 in,
fd 4 out, NUL-separated JSON), and PNGs are decoded here.
"""
import argparse, base64, json, os, select, shutil, struct, subprocess, sys, tempfile, time, zlib


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("browser-check: no chromium on PATH (Debian: apt-get install chromium; scripts/install-deps does)")


class Browser:
    def __init__(self, width):
        self.profile = tempfile.mkdtemp(prefix="strata-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4; close_fds would close them.
        def child_fds():
            # Copies first: a pipe end may already be fd 3 or 4, and dup2 onto itself
            # would leave it close-on-exec.
            reading, writing = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(reading, 3)
            os.dup2(writing, 4)
        self.log = open(os.environ.get("BROWSER_CHECK_LOG", os.devnull), "w")
        self.process = subprocess.Popen(
            [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
             f"--user-data-dir={self.profile}", f"--window-size={width},900", "about:blank"],
            close_fds=False, preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self.read(deadline, method)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self, deadline, waiting_for):
        """The next message; a browser that is alive but silent past the deadline is an error, not a hang."""
        while b"\0" not in self.buffer:
            remaining = deadline - time.time()
            if remaining <= 0 or not select.select([self.from_browser], [], [], remaining)[0]:
                raise TimeoutError(f"chromium did not answer {waiting_for} in time")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe (did it start?)")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, session, timeout=60):
        """An event of `session` since the events were last cleared (before navigating, so
        none is about:blank's), including any that came while a command was answered."""
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        deadline = time.time() + timeout
        while True:
            event = self.read(deadline, method)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Chromium's renderer and GPU processes are in its session: take them all.
        try:
            os.killpg(self.process.pid, 9)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def decode_png(data):
    """(width, height, channels, rows of bytes) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    width, height, depth, color, interlace = header[0], header[1], header[2], header[3], header[6]
    assert depth == 8 and color in (2, 6) and interlace == 0, \
        f"unsupported PNG: depth {depth}, colour type {color}, interlace {interlace}"
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        assert kind <= 4, f"PNG row {y}: unknown filter type {kind}"
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def ink(png):
    """Share of pixels that are not (near) white, and how many distinct colours there are."""
    width, height, channels, rows = decode_png(png)
    inked, colours = 0, set()
    for row in rows:
        for x in range(0, width * channels, channels):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if r < 235 or g < 235 or b < 235:
                inked += 1
                colours.add((r >> 4, g >> 4, b >> 4))
    return inked / max(1, width * height), len(colours)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("html")
    parser.add_argument("--screenshot")
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--top", type=int, default=0, help="where the screenshot starts, in CSS pixels")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    browser = Browser(args.width)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime.enable", "Log.enable", "Page.enable"):
            browser.send(domain, session=session)
        browser.events.clear()
        navigation = browser.send("Page.navigate", {"url": "file://" + os.path.abspath(args.html)}, session=session)
        if navigation.get("errorText"):
            sys.exit(f"browser-check: chromium could not open {args.html}: {navigation['errorText']}")
        browser.wait_for("Page.loadEventFired", session)
        expression = """JSON.stringify({
          height: document.documentElement.scrollHeight,
          charts: [...document.querySelectorAll('svg.chart')].map(e => {
            const r = e.getBoundingClientRect();
            return {kind: e.getAttribute('class'), title: (e.querySelector('title') || {}).textContent,
                    x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};
          }),
          scripts: document.querySelectorAll('script').length,
          text: document.body.innerText.length})"""
        page = json.loads(browser.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)["result"]["value"])
        for chart in page["charts"]:
            if chart["width"] < 1 or chart["height"] < 1:
                chart["ink"], chart["colours"] = 0.0, 0
                continue
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": chart["x"], "y": chart["y"], "width": chart["width"], "height": chart["height"],
                         "scale": 1}}, session=session)
            chart["ink"], chart["colours"] = ink(base64.b64decode(shot["data"]))
        if args.screenshot:
            shot = browser.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": args.top, "width": args.width,
                         "height": max(1, min(args.height, page["height"] - args.top)), "scale": 1}},
                session=session)
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
        errors = []
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append("console." + params["type"] + ": " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                errors.append("exception: " + details.get("text", "") + " " +
                              details.get("exception", {}).get("description", ""))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append("log: " + params["entry"].get("text", ""))
        page["errors"] = errors
        print(json.dumps(page))
    finally:
        browser.close()


if __name__ == "__main__":
    main()
