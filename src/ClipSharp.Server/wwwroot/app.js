// ClipSharp web page: photo search and zero-shot classification against this server's /v1 API.
// Plain JavaScript, no dependencies, no build step.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const state = { key: sessionStorage.getItem("clipsharp-key") || "", searchSeq: 0, classifyImage: null, objectUrls: [] };

  // ---- HTTP ----------------------------------------------------------------------------------------------
  async function api(path, options = {}) {
    const headers = new Headers(options.headers || {});
    if (state.key) headers.set("X-API-Key", state.key);
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) {
      $("key-form").hidden = false;
    }
    if (!response.ok) {
      let detail = response.statusText;
      try {
        const problem = await response.json();
        detail = problem.detail || problem.title || detail;
      } catch { /* not JSON */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  const postJson = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  // Images need the API key too when one is set: fetch them and show them from blob: URLs.
  async function setImage(img, url) {
    if (!state.key) {
      img.src = url;
      return;
    }
    try {
      const blob = await (await api(url)).blob();
      const objectUrl = URL.createObjectURL(blob);
      state.objectUrls.push(objectUrl);
      img.src = objectUrl;
    } catch { img.alt += " (not available)"; }
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

  // ---- Status and API key -------------------------------------------------------------------------------
  async function refreshStatus() {
    const status = $("status");
    try {
      const response = await fetch("/readyz");
      const body = await response.json();
      if (response.ok) {
        // "files" is there whenever the server has an index; "index" (its location) only when no API key is set.
        const index = body.files == null ? " · no photo index" : ` · ${body.files} photos indexed` + (body.index ? ` in ${body.index}` : "");
        status.textContent = `Model ${body.model} (${body.dimension}-d)` + index;
        status.className = "status ok";
        return;
      }
      status.textContent = body.detail || "Loading…";
      status.className = "status bad";
    } catch {
      status.textContent = "The server does not answer.";
      status.className = "status bad";
    }
    setTimeout(refreshStatus, 1500);
  }

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("api-key").value.trim();
    sessionStorage.setItem("clipsharp-key", state.key);
    $("key-form").hidden = true;
    runSearch();
  });

  // ---- Search -------------------------------------------------------------------------------------------
  let debounce = 0;
  $("q").addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(runSearch, 180);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(debounce);
    runSearch();
  });

  async function runSearch() {
    const q = $("q").value.trim();
    if (!q) {
      renderResults([], "");
      return;
    }
    await search(() => api(`/v1/search?q=${encodeURIComponent(q)}&limit=40`), `“${q}”`);
  }

  async function search(request, description) {
    const seq = ++state.searchSeq;
    setInfo($("search-info"), "Searching…");
    try {
      const body = await (await request()).json();
      if (seq !== state.searchSeq) return; // a newer search has started
      renderResults(body.results, description);
    } catch (error) {
      if (seq !== state.searchSeq) return;
      renderResults([], "");
      setInfo($("search-info"), error.status === 503 && /index/.test(error.message) ? "This server has no photo index: start it with --index." : `Search failed: ${error.message}`, true);
    }
  }

  function renderResults(results, description) {
    for (const url of state.objectUrls.splice(0)) URL.revokeObjectURL(url);
    const list = $("results");
    list.replaceChildren();
    for (const hit of results) {
      const item = document.createElement("li");
      const figure = document.createElement("figure");
      const link = document.createElement("a");
      link.className = "thumb";
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      const img = document.createElement("img");
      img.alt = hit.name;
      img.loading = "lazy";
      img.width = 256;
      img.height = 256;
      setImage(img, hit.thumbnail + "?size=256");
      link.append(img);
      const caption = document.createElement("figcaption");
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = hit.name;
      name.title = hit.path;
      const meta = document.createElement("span");
      meta.className = "meta";
      const score = document.createElement("span");
      score.className = "score";
      score.textContent = hit.score.toFixed(3);
      score.title = "cosine similarity";
      const more = document.createElement("button");
      more.type = "button";
      more.className = "secondary";
      more.textContent = "More like this";
      more.setAttribute("aria-label", `More like ${hit.name}`);
      more.addEventListener("click", () => {
        $("q").value = "";
        search(() => postJson("/v1/search", { imageId: hit.id, limit: 40 }), `photos like ${hit.name}`);
      });
      meta.append(score, more);
      caption.append(name, meta);
      figure.append(link, caption);
      item.append(figure);
      list.append(item);
    }
    setInfo($("search-info"), description ? `${results.length} result${results.length === 1 ? "" : "s"} for ${description}` : "");
  }

  async function searchByFile(file) {
    if (!file || !file.type.startsWith("image/")) {
      setInfo($("search-info"), "That is not an image file.", true);
      return;
    }
    $("q").value = "";
    const image = await readAsDataUrl(file);
    await search(() => postJson("/v1/search", { image, limit: 40 }), `photos like ${file.name}`);
  }

  $("search-file").addEventListener("change", (event) => searchByFile(event.target.files[0]));

  // ---- Drop zones ---------------------------------------------------------------------------------------
  function dropZone(element, onFile) {
    element.addEventListener("dragover", (event) => {
      event.preventDefault();
      element.classList.add("over");
    });
    element.addEventListener("dragleave", () => element.classList.remove("over"));
    element.addEventListener("drop", (event) => {
      event.preventDefault();
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
  $("classify-file").addEventListener("change", (event) => chooseClassifyImage(event.target.files[0]));
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
    try {
      const body = await (await api("/v1/classify", { method: "POST", body: form })).json();
      renderBars(body.results, body.best);
      setInfo($("classify-info"), `Most likely: ${body.best}`);
    } catch (error) {
      $("bars").replaceChildren();
      setInfo($("classify-info"), `Classification failed: ${error.message}`, true);
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

  refreshStatus();
})();
