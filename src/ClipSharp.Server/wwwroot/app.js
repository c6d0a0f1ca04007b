// ClipSharp web page: photo search (with paging, filters, a viewer and the search in the URL) and zero-shot
// classification against this server's /v1 API. Plain JavaScript, no dependencies, no build step.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const PAGE = 24;            // results per page
  const DEBOUNCE_MS = 300;    // typing pause before a search
  const POLL_MS = 10000;      // status poll while the server is up
  const state = {
    key: sessionStorage.getItem("clipsharp-key") || "",
    authorized: false,
    params: emptyParams(),     // the search shown: { q, like, sort, min, from, to, folder }
    image: null,               // an uploaded image being searched (not in the URL)
    results: [], next: null, total: null, totalAtLeast: 0,
    controller: null,          // aborts the search (and its "load more") when a newer one starts
    loading: false,
    thumbUrls: [],
    cache: new Map(),          // URL query → loaded results, for back/forward
    typedUrl: null,            // the URL query last entered by typing (refinements replace it in the history)
    viewer: { index: -1, url: null, opener: null },
    classifyImage: null, classifyPending: false,
  };

  // ---- HTTP ----------------------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    if (state.key) headers.set("X-API-Key", state.key);
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "unreachable", error.message);
    }
    if (!response.ok) {
      let detail = response.statusText, code = "";
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || detail;
        code = problem.code || "";
      } catch { /* not JSON */ }
      if (response.status === 401) showKeyPanel(state.key ? "That key was not accepted." : "");
      throw new ApiError(response.status, code, detail);
    }
    return response;
  }

  const postJson = (path, body, signal) =>
    api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal });

  // Words for people; the server's own detail goes behind "What the server said".
  function friendly(error, what) {
    switch (true) {
      case error.status === 0: return "The server cannot be reached. Is it still running?";
      case error.status === 401: return "This server needs an API key.";
      case error.code === "no-index": return "This server has no photo index: start it with --index.";
      case error.code === "not-ready": return "The model is still loading; try again in a moment.";
      case error.status === 503: return "The server is busy; try again in a moment.";
      case error.status === 413: return "That is larger than this server accepts.";
      case error.status === 415 || error.code === "not-an-image" || error.code === "corrupt-image":
        return "That file is not an image the server can read.";
      case error.status === 404: return "That photo is no longer in the index.";
      case error.status === 400: return `The server did not accept this ${what}.`;
      default: return `The ${what} failed on the server.`;
    }
  }

  // Images need the API key too when one is set: fetch them and show them from blob: URLs.
  async function blobUrl(url, signal) {
    const blob = await (await api(url, { signal })).blob();
    return URL.createObjectURL(blob);
  }

  function readAsDataUrl(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }

  function setInfo(element, text, isError = false) {
    element.textContent = text;
    element.classList.toggle("error", isError);
  }

  function setDetail(detail) {
    $("search-detail").hidden = !detail;
    $("search-detail-text").textContent = detail || "";
  }

  // ---- Status (one poll every 10 s) and access --------------------------------------------------------------
  let ready = null; // the last /readyz answer
  async function pollStatus() {
    let wait = POLL_MS;
    try {
      const response = await fetch("/readyz", { signal: AbortSignal.timeout(8000), cache: "no-store" });
      const body = await response.json();
      ready = response.ok ? body : null;
      if (!response.ok) {
        setStatus(body.detail || "Loading…", false);
        if (!state.authorized) wait = 1500; // still starting: look again soon
      } else {
        renderStatus();
      }
    } catch {
      ready = null;
      setStatus("The server does not answer.", false);
    }
    setTimeout(pollStatus, wait);
  }

  function setStatus(text, ok) {
    $("status").textContent = text;
    $("status").className = ok ? "status ok" : "status bad";
  }

  // The photo count is the index's, so it is shown only to those who may search it.
  function renderStatus() {
    if (!ready) return;
    const files = !state.authorized ? "" : ready.files == null ? " · no photo index" : ` · ${ready.files} photos indexed`;
    setStatus(`Model ${ready.model}${files}`, true);
  }

  function showKeyPanel(message) {
    state.authorized = false;
    $("key-panel").hidden = false;
    $("search-panel").hidden = true;
    $("classify-panel").hidden = true;
    setInfo($("key-info"), message, Boolean(message));
  }

  // Whether this page may read the index: asks for its folders (which need the key when one is set).
  async function checkAccess() {
    try {
      const body = await (await api("/v1/folders")).json();
      fillFolders(body.folders);
    } catch (error) {
      if (error.status === 401) return false;
      if (error.code === "not-ready" || error.status === 0) {
        setTimeout(start, 1500);
        return false;
      }
      // No index: searching says so; classifying still works.
    }
    state.authorized = true;
    $("key-panel").hidden = true;
    $("search-panel").hidden = false;
    $("classify-panel").hidden = false;
    renderStatus();
    return true;
  }

  function fillFolders(folders) {
    const select = $("folder");
    const chosen = select.value || state.params.folder;
    select.replaceChildren(new Option("All folders", ""));
    for (const folder of folders) select.append(new Option(folder.name, folder.path));
    select.value = chosen;
  }

  async function start() {
    if (!(await checkAccess())) return;
    showFromUrl(true);
    if (state.classifyPending) classify();
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("api-key").value.trim();
    sessionStorage.setItem("clipsharp-key", state.key);
    setInfo($("key-info"), "Checking the key…");
    start();
  });

  // ---- The search in the URL -----------------------------------------------------------------------------
  function emptyParams() {
    return { q: "", like: "", sort: "relevance", min: "", from: "", to: "", folder: "" };
  }

  function paramsFromUrl() {
    const u = new URLSearchParams(location.search);
    const p = emptyParams();
    p.q = (u.get("q") || "").trim();
    p.like = /^\d+$/.test(u.get("like") || "") ? u.get("like") : "";
    p.sort = ["newest", "oldest"].includes(u.get("sort")) ? u.get("sort") : "relevance";
    p.min = /^-?\d*\.?\d+$/.test(u.get("min") || "") ? u.get("min") : "";
    p.from = /^\d{4}-\d{2}-\d{2}$/.test(u.get("from") || "") ? u.get("from") : "";
    p.to = /^\d{4}-\d{2}-\d{2}$/.test(u.get("to") || "") ? u.get("to") : "";
    p.folder = u.get("in") || "";
    return p;
  }

  function urlOf(p) {
    const u = new URLSearchParams();
    if (p.q) u.set("q", p.q);
    else if (p.like) u.set("like", p.like);
    if (p.sort !== "relevance") u.set("sort", p.sort);
    if (p.min) u.set("min", p.min);
    if (p.from) u.set("from", p.from);
    if (p.to) u.set("to", p.to);
    if (p.folder) u.set("in", p.folder);
    const s = u.toString();
    return s ? `/?${s}` : "/";
  }

  function setControls(p) {
    $("q").value = p.q;
    $("sort").value = p.sort;
    $("min").value = p.min;
    $("from").value = p.from;
    $("to").value = p.to;
    $("folder").value = p.folder;
  }

  function controlParams() {
    return {
      q: $("q").value.trim(), like: "", sort: $("sort").value, min: $("min").value,
      from: $("from").value, to: $("to").value, folder: $("folder").value,
    };
  }

  function showFromUrl(first) {
    const p = paramsFromUrl();
    setControls(p);
    const saved = history.state || {};
    const cached = state.cache.get(urlOf(p));
    if (cached && !first) {
      abortSearch();
      state.params = p;
      state.image = null;
      Object.assign(state, { results: [...cached.results], next: cached.next, total: cached.total, totalAtLeast: cached.totalAtLeast });
      renderAll();
      window.scrollTo(0, saved.scrollY || 0);
      return;
    }
    runSearch(p, { history: first ? "replace" : "none", want: saved.count || PAGE, scrollY: saved.scrollY || 0 });
  }

  window.addEventListener("popstate", () => {
    if ($("viewer").open) $("viewer").close();
    if (state.authorized) showFromUrl(false);
  });

  // The scroll position and how many results are loaded, kept with the history entry for back/forward.
  let scrollTimer = 0;
  window.addEventListener("scroll", () => {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(rememberPosition, 150);
  }, { passive: true });

  history.scrollRestoration = "manual";

  function rememberPosition() {
    history.replaceState({ scrollY: window.scrollY, count: state.results.length }, "", location.href);
  }

  // ---- Search --------------------------------------------------------------------------------------------
  let debounce = 0;
  $("q").addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => searchFromControls({ typed: true }), DEBOUNCE_MS);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(debounce);
    searchFromControls({ focus: true });
  });
  for (const id of ["sort", "min", "from", "to", "folder"]) {
    $(id).addEventListener("change", () => {
      // A filter applies to the search shown: the text typed, else the photo it is like.
      const p = controlParams();
      if (!p.q && state.params.like) p.like = state.params.like;
      if (state.image && !p.q) return searchByImage(state.image.data, state.image.name, p);
      runSearch(p, { history: "push" });
    });
  }
  for (const chip of document.querySelectorAll("[data-q]")) {
    chip.addEventListener("click", () => {
      $("q").value = chip.dataset.q;
      searchFromControls({ focus: true });
    });
  }

  function searchFromControls({ typed = false, focus = false }) {
    const p = controlParams();
    const url = urlOf(p);
    if (url === urlOf(state.params) && !state.image && !focus) return;
    // Typing "fo", "for", "forest" is one search in the history; a different query is a new entry.
    const refines = typed && state.typedUrl !== null && location.search.length > 0 && related(p.q, state.params.q);
    state.typedUrl = typed ? url : null;
    runSearch(p, { history: refines ? "replace" : "push", focus });
  }

  function related(a, b) {
    return a.length > 0 && b.length > 0 && (a.startsWith(b) || b.startsWith(a));
  }

  function abortSearch() {
    if (state.controller) state.controller.abort();
    state.controller = null;
    state.loading = false;
    $("results").setAttribute("aria-busy", "false");
  }

  function describe(p) {
    if (state.image) return `photos like ${state.image.name}`;
    if (p.q) return `“${p.q}”`;
    if (p.like) {
      const hit = state.results.find((h) => String(h.id) === p.like) || state.likeHit;
      return hit ? `photos like ${hit.name}` : "similar photos";
    }
    return "";
  }

  function searchBody(p, limit, cursor) {
    const body = { limit };
    if (p.sort !== "relevance") body.sort = p.sort;
    if (p.min) body.minScore = Number(p.min);
    if (p.folder) body.in = p.folder;
    if (p.from) body.after = p.from;
    if (p.to) {
      // "until" includes that day: the API's 'before' is exclusive.
      const end = new Date(`${p.to}T00:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      body.before = end.toISOString().slice(0, 10);
    }
    if (cursor) body.cursor = cursor;
    return body;
  }

  function request(p, limit, cursor, signal) {
    const body = searchBody(p, limit, cursor);
    if (state.image) return postJson("/v1/search", { ...body, image: state.image.data }, signal);
    if (p.like) return postJson("/v1/search", { ...body, imageId: Number(p.like) }, signal);
    const u = new URLSearchParams({ q: p.q });
    for (const [k, v] of Object.entries(body)) u.set(k, String(v));
    return api(`/v1/search?${u}`, { signal });
  }

  // A new search: aborts the one before, shows the first page (or as many as `want`), updates the URL.
  async function runSearch(p, { history: mode = "push", focus = false, want = PAGE, scrollY = null, image = null } = {}) {
    abortSearch();
    state.image = image;
    const changed = urlOf(p) !== location.pathname + location.search;
    clearTimeout(scrollTimer);
    if (mode === "push") rememberPosition(); // the entry left keeps its scroll position
    if (mode === "push" && changed && !image) history.pushState({ scrollY: 0, count: 0 }, "", urlOf(p));
    else if (mode !== "none") history.replaceState({ scrollY: 0, count: 0 }, "", image ? "/" : urlOf(p));
    if (!image && !p.q && !p.like) {
      state.params = p;
      Object.assign(state, { results: [], next: null, total: null, totalAtLeast: 0 });
      setDetail("");
      renderAll();
      return;
    }
    const controller = (state.controller = new AbortController());
    state.loading = true;
    $("results").setAttribute("aria-busy", "true");
    setInfo($("search-info"), "Searching…");
    setDetail("");
    try {
      const limit = Math.min(200, Math.max(PAGE, want));
      const body = await (await request(p, limit, null, controller.signal)).json();
      if (controller.signal.aborted) return;
      state.params = p;
      Object.assign(state, { results: body.results, next: body.next, total: body.total, totalAtLeast: body.totalAtLeast });
      remember();
      renderAll();
      while (state.results.length < want && state.next && !controller.signal.aborted) await loadMore();
      if (focus) $("results-title").focus({ preventScroll: true });
      if (scrollY !== null) window.scrollTo(0, scrollY);
      else if (focus) $("results-title").scrollIntoView({ block: "nearest" });
    } catch (error) {
      if (error.name === "AbortError" || controller.signal.aborted) return;
      state.params = p;
      Object.assign(state, { results: [], next: null, total: null, totalAtLeast: 0 });
      renderAll();
      setInfo($("search-info"), friendly(error, "search"), true);
      setDetail(error.status === 401 ? "" : error.message);
      if (focus) $("results-title").focus({ preventScroll: true });
    } finally {
      if (state.controller === controller) {
        state.loading = false;
        $("results").setAttribute("aria-busy", "false");
      }
    }
  }

  // The next page of the search shown (infinite scroll, the "Load more" button, the viewer's "next").
  async function loadMore() {
    if (!state.next || state.loading && !state.controller) return;
    const controller = state.controller || (state.controller = new AbortController());
    const cursor = state.next;
    state.loading = true;
    $("results").setAttribute("aria-busy", "true");
    $("load-more").disabled = true;
    try {
      const body = await (await request(state.params, PAGE, cursor, controller.signal)).json();
      if (controller.signal.aborted || state.next !== cursor) return;
      const from = state.results.length;
      state.results.push(...body.results);
      Object.assign(state, { next: body.next, total: body.total, totalAtLeast: body.totalAtLeast });
      remember();
      appendResults(from);
      renderSummary();
    } catch (error) {
      if (error.name === "AbortError" || controller.signal.aborted) return;
      setInfo($("search-info"), friendly(error, "search"), true);
      setDetail(error.message);
    } finally {
      state.loading = false;
      $("load-more").disabled = false;
      $("results").setAttribute("aria-busy", "false");
    }
  }

  function remember() {
    if (state.image) return;
    const key = urlOf(state.params);
    state.cache.delete(key);
    state.cache.set(key, { results: [...state.results], next: state.next, total: state.total, totalAtLeast: state.totalAtLeast });
    while (state.cache.size > 20) state.cache.delete(state.cache.keys().next().value);
  }

  $("load-more").addEventListener("click", async () => {
    const before = state.results.length;
    await loadMore();
    // Keyboard users continue at the first new result.
    const first = $("results").children[before];
    if (first) first.querySelector(".thumb").focus();
  });

  // Infinite scroll, except while the "Load more" button has the focus: then the keyboard user decides.
  new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting) && state.next && !state.loading && document.activeElement !== $("load-more")) loadMore();
  }, { rootMargin: "600px 0px" }).observe($("sentinel"));

  function renderAll() {
    for (const url of state.thumbUrls.splice(0)) URL.revokeObjectURL(url);
    $("results").replaceChildren();
    appendResults(0);
    renderSummary();
  }

  function renderSummary() {
    const n = state.results.length;
    const d = describe(state.params);
    const searching = Boolean(d);
    $("empty").hidden = searching;
    $("load-more").hidden = !state.next;
    $("results-title").textContent = searching ? `Results for ${d}` : "Results";
    if (!searching) {
      setInfo($("search-info"), "");
      return;
    }
    const photos = (k) => `${k} photo${k === 1 ? "" : "s"}`;
    let text;
    if (n === 0) text = "No photos match. Try other words, or fewer filters.";
    else if (state.total != null && !state.next) text = photos(state.total);
    else if (state.total != null) text = `${n} of ${photos(state.total)} shown`;
    else text = `${n} of at least ${photos(state.totalAtLeast)} shown`;
    setInfo($("search-info"), text);
  }

  function thumbSize() {
    return window.devicePixelRatio > 1.5 ? 512 : 256;
  }

  function appendResults(from) {
    const list = $("results");
    const fragment = document.createDocumentFragment();
    state.results.slice(from).forEach((hit, i) => {
      const index = from + i;
      const item = document.createElement("li");
      item.dataset.id = hit.id;
      const figure = document.createElement("figure");
      const open = document.createElement("button");
      open.type = "button";
      open.className = "thumb";
      open.addEventListener("click", () => openViewer(index, open));
      const img = document.createElement("img");
      img.alt = hit.name;
      img.width = 256;
      img.height = 256;
      img.decoding = "async";
      img.addEventListener("error", () => img.classList.add("broken"), { once: true });
      if (state.key) {
        blobUrl(`${hit.thumbnail}?size=${thumbSize()}`).then((url) => {
          state.thumbUrls.push(url);
          img.src = url;
        }, () => img.classList.add("broken"));
      } else {
        img.loading = "lazy";
        img.srcset = `${hit.thumbnail}?size=256 256w, ${hit.thumbnail}?size=512 512w`;
        img.sizes = "(max-width: 600px) 45vw, (max-width: 1100px) 25vw, 200px";
        img.src = `${hit.thumbnail}?size=256`;
      }
      open.append(img);
      const caption = document.createElement("figcaption");
      const name = document.createElement("span");
      name.className = "name";
      name.id = `name-${index}`;
      name.textContent = hit.name;
      name.title = hit.relativePath;
      const meta = document.createElement("span");
      meta.className = "meta";
      const score = document.createElement("span");
      score.className = "score";
      score.textContent = hit.score.toFixed(3);
      score.title = "cosine similarity";
      const more = document.createElement("button");
      more.type = "button";
      more.className = "outline";
      more.textContent = "More like this";
      more.setAttribute("aria-describedby", name.id);
      more.addEventListener("click", () => moreLike(hit));
      meta.append(score, more);
      caption.append(name, meta);
      figure.append(open, caption);
      item.append(figure);
      fragment.append(item);
    });
    list.append(fragment);
  }

  function moreLike(hit) {
    if ($("viewer").open) $("viewer").close();
    state.likeHit = hit;
    const p = { ...controlParams(), q: "", like: String(hit.id) };
    $("q").value = "";
    runSearch(p, { history: "push", focus: true });
  }

  async function searchByImage(data, name, p) {
    $("q").value = "";
    await runSearch({ ...p, q: "", like: "" }, { history: "replace", focus: true, image: { data, name } });
  }

  async function searchByFile(file) {
    if (!file || !file.type.startsWith("image/")) {
      setInfo($("search-info"), "That is not an image file.", true);
      return;
    }
    searchByImage(await readAsDataUrl(file), file.name, controlParams());
  }

  $("search-file-button").addEventListener("click", () => $("search-file").click());
  $("search-file").addEventListener("change", (event) => {
    searchByFile(event.target.files[0]);
    event.target.value = ""; // the same file chosen again searches again
  });

  // ---- The viewer ------------------------------------------------------------------------------------------
  const viewer = $("viewer");
  const formatDate = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  const formatSize = (bytes) => bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;

  function openViewer(index, opener) {
    state.viewer.opener = opener || state.viewer.opener;
    if (!viewer.open) viewer.showModal();
    showInViewer(index);
  }

  async function showInViewer(index) {
    const hit = state.results[index];
    if (!hit) return;
    state.viewer.index = index;
    const img = $("viewer-img");
    const token = Symbol("photo");
    state.viewer.token = token;
    $("viewer-title").textContent = hit.name;
    img.alt = hit.name;
    img.removeAttribute("src");
    $("viewer-prev").disabled = index === 0;
    $("viewer-next").disabled = index === state.results.length - 1 && !state.next;
    setInfo($("viewer-status"), "Loading the photo…");
    renderDetails(hit, null);
    releaseViewerUrl();
    let src = hit.url;
    try {
      if (state.key) {
        src = await blobUrl(hit.url);
        if (state.viewer.token !== token) {
          URL.revokeObjectURL(src);
          return;
        }
        state.viewer.url = src;
      }
    } catch (error) {
      if (state.viewer.token === token) setInfo($("viewer-status"), friendly(error, "photo"), true);
      return;
    }
    img.onload = () => {
      if (state.viewer.token !== token) return;
      setInfo($("viewer-status"), "");
      renderDetails(hit, img);
    };
    img.onerror = () => {
      if (state.viewer.token === token) setInfo($("viewer-status"), "The browser cannot show this file; download it instead.", true);
    };
    img.src = src;
    $("viewer-open").href = src;
    $("viewer-download").href = src;
    $("viewer-download").download = hit.name;
  }

  function renderDetails(hit, img) {
    const rows = [
      ["Taken", hit.takenAt ? formatDate(hit.takenAt) : "unknown"],
      ["Modified", hit.takenAt ? null : formatDate(hit.date)],
      ["Dimensions", img && img.naturalWidth ? `${img.naturalWidth} × ${img.naturalHeight} pixels` : "…"],
      ["File size", formatSize(hit.size)],
      ["Path", hit.relativePath],
      ["Match", `${hit.score.toFixed(3)} (cosine similarity)`],
    ];
    const list = $("viewer-details");
    list.replaceChildren();
    for (const [term, value] of rows) {
      if (value == null) continue;
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
  }

  function releaseViewerUrl() {
    if (state.viewer.url) URL.revokeObjectURL(state.viewer.url);
    state.viewer.url = null;
  }

  async function step(delta) {
    const target = state.viewer.index + delta;
    if (target < 0) return;
    if (target >= state.results.length) {
      if (!state.next) return;
      await loadMore();
    }
    showInViewer(Math.min(target, state.results.length - 1));
  }

  $("viewer-prev").addEventListener("click", () => step(-1));
  $("viewer-next").addEventListener("click", () => step(1));
  $("viewer-close").addEventListener("click", () => viewer.close());
  $("viewer-like").addEventListener("click", () => moreLike(state.results[state.viewer.index]));
  viewer.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
    if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
  });
  viewer.addEventListener("close", () => {
    state.viewer.token = null;
    releaseViewerUrl();
    $("viewer-img").removeAttribute("src");
    const opener = $("results").children[state.viewer.index]?.querySelector(".thumb") || state.viewer.opener;
    if (opener && opener.isConnected) opener.focus();
  });
  // Swipe left/right on touch screens.
  let touchX = null;
  $("viewer-img").addEventListener("touchstart", (e) => { touchX = e.touches.length === 1 ? e.touches[0].clientX : null; }, { passive: true });
  $("viewer-img").addEventListener("touchend", (e) => {
    if (touchX === null) return;
    const dx = e.changedTouches[0].clientX - touchX;
    touchX = null;
    if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);
  });

  // ---- Drop zones ---------------------------------------------------------------------------------------
  function dropZone(element, onFile) {
    element.addEventListener("dragover", (event) => {
      event.preventDefault();
      element.classList.add("over");
    });
    element.addEventListener("dragleave", () => element.classList.remove("over"));
    element.addEventListener("drop", (event) => {
      event.preventDefault();
      event.stopPropagation();
      element.classList.remove("over");
      const file = event.dataTransfer && event.dataTransfer.files[0];
      if (file) onFile(file);
    });
  }

  dropZone($("search-drop"), searchByFile);
  dropZone($("search-panel"), searchByFile);

  // ---- Classify -----------------------------------------------------------------------------------------
  function chooseClassifyImage(file) {
    if (!file || !file.type.startsWith("image/")) {
      setInfo($("classify-info"), "That is not an image file.", true);
      return;
    }
    state.classifyImage = file;
    const preview = $("classify-preview");
    if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(file);
    preview.alt = `Image to classify: ${file.name}`;
    preview.hidden = false;
    $("classify-button").disabled = false;
    classify();
  }

  dropZone($("classify-drop"), chooseClassifyImage);
  $("classify-file-button").addEventListener("click", () => $("classify-file").click());
  $("classify-file").addEventListener("change", (event) => {
    chooseClassifyImage(event.target.files[0]);
    event.target.value = "";
  });
  $("classify-form").addEventListener("submit", (event) => {
    event.preventDefault();
    classify();
  });

  async function classify() {
    const file = state.classifyImage;
    const labels = $("labels").value.split(",").map((l) => l.trim()).filter((l) => l.length > 0);
    if (!file) {
      setInfo($("classify-info"), "Choose an image first.", true);
      return;
    }
    if (labels.length === 0) {
      setInfo($("classify-info"), "Type at least one label.", true);
      return;
    }
    const form = new FormData();
    form.append("image", file, file.name);
    form.append("labels", labels.join(","));
    const template = $("template").value;
    form.append(template === "imagenet" ? "ensemble" : "template", template);
    setInfo($("classify-info"), "Classifying…");
    state.classifyPending = false;
    try {
      const body = await (await api("/v1/classify", { method: "POST", body: form })).json();
      renderBars(body.results, body.best);
      setInfo($("classify-info"), `Most likely: ${body.best}`);
    } catch (error) {
      $("bars").replaceChildren();
      // Retried once the key is given.
      state.classifyPending = error.status === 401;
      setInfo($("classify-info"), `${friendly(error, "classification")} ${error.status && error.status !== 401 ? `(${error.message})` : ""}`.trim(), true);
    }
  }

  function renderBars(results, best) {
    const list = $("bars");
    list.replaceChildren();
    const sorted = [...results].sort((a, b) => b.probability - a.probability);
    for (const r of sorted) {
      const item = document.createElement("li");
      if (r.label === best) item.className = "best";
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = r.label;
      label.title = r.prompt;
      const track = document.createElement("span");
      track.className = "track";
      track.setAttribute("role", "meter");
      track.setAttribute("aria-label", r.label);
      track.setAttribute("aria-valuemin", "0");
      track.setAttribute("aria-valuemax", "100");
      const pct = (r.probability * 100);
      track.setAttribute("aria-valuenow", pct.toFixed(1));
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = `${Math.max(pct, 0.5).toFixed(2)}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.className = "pct";
      value.textContent = `${pct.toFixed(1)}%`;
      item.append(label, track, value);
      list.append(item);
    }
  }

  pollStatus();
  start();
})();
