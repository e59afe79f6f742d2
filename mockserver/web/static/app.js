// The few behaviours htmx does not cover: sending the controls' forms as the admin API's JSON,
// copying a code, and showing a refused control-plane call in words.
htmx.config.methodsThatUseUrlParams = ["get"];  // DELETE sends its JSON body too
htmx.defineExtension("admin-json", {
  init(api) { this.api = api; },
  onEvent(name, event) {
    if (name === "htmx:configRequest") event.detail.headers["Content-Type"] = "application/json";
  },
  encodeParameters(xhr, parameters, element) {
    xhr.overrideMimeType("text/json");
    const numbers = (element.closest("[data-numbers]")?.dataset.numbers || "").split(",");
    const body = {};
    parameters.forEach((value, key) => {
      if (value === "") return;  // an empty field means "not given", not an empty string
      body[key] = numbers.includes(key) && !Number.isNaN(Number(value)) ? Number(value) : value;
    });
    Object.assign(body, this.api.getExpressionVars(element));  // hx-vals keep their JSON types
    return JSON.stringify(body);
  },
});

document.addEventListener("click", (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.code).then(
    () => { button.textContent = "copied"; },
    () => { button.textContent = button.dataset.code; },
  );
});

document.addEventListener("htmx:responseError", (event) => {
  const target = document.getElementById("outcome");
  if (!target) return;
  let words = `The fake answered ${event.detail.xhr.status}.`;
  try {
    const body = JSON.parse(event.detail.xhr.responseText);
    if (body.errors) words = `${words} ${body.errors.join("; ")}`;
  } catch (_) { /* not JSON: the status alone says it */ }
  target.innerHTML = "";
  const box = document.createElement("div");
  box.className = "error";
  box.textContent = words;
  target.appendChild(box);
});

// Each SMS delivered live counts in the inbox's heading too.
document.addEventListener("htmx:sseMessage", (event) => {
  const count = document.getElementById("inbox-count");
  if (count && event.detail.type === "sms") count.textContent = String(Number(count.textContent) + 1);
  const empty = document.getElementById("empty");
  if (empty) empty.remove();
});

// The inbox says whether it is live (the event stream is open) or not.
document.addEventListener("htmx:sseOpen", () => { document.body.dataset.live = "open"; });
document.addEventListener("htmx:sseError", () => { document.body.dataset.live = "closed"; });
