(function () {
  "use strict";
  // The leaderboard's only script (its hash is in the page's CSP). The table is complete
  // without it; this sorts and filters the rows already there. It reads the filters from the
  // URL (#rung=5&q=apache, or ?q=apache) and writes them back, so a filtered view can be
  // shared. It never parses HTML: text goes into the page only through textContent.
  var table = document.getElementById("leaderboard");
  var panel = document.getElementById("filters");
  if (!table || !panel || !table.tBodies.length) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var controls = Array.prototype.slice.call(panel.querySelectorAll("[data-param]"));
  var count = document.getElementById("shown");
  var empty = document.createElement("tr");
  var emptyCell = document.createElement("td");
  emptyCell.colSpan = heads.length;
  emptyCell.className = "dim";
  emptyCell.textContent = "No model matches these filters.";
  empty.appendChild(emptyCell);
  var sort = { key: "", dir: 1 };

  function decode(text) {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch (error) {
      return "";
    }
  }

  function fromUrl() {
    var found = {};
    [window.location.search, window.location.hash].forEach(function (part) {
      part.replace(/^[?#]/, "").split("&").forEach(function (pair) {
        if (!pair) {
          return;
        }
        var at = pair.indexOf("=");
        var name = decode(at < 0 ? pair : pair.slice(0, at));
        found[name] = decode(at < 0 ? "" : pair.slice(at + 1));
      });
    });
    return found;
  }

  function setControl(control, value) {
    if (control.tagName === "SELECT" && value) {
      var known = Array.prototype.some.call(control.options, function (option) {
        return option.value === value;
      });
      if (!known) {
        var option = document.createElement("option");
        option.value = value;
        option.textContent = value;
        control.appendChild(option);
      }
    }
    control.value = value;
  }

  function filters() {
    var out = {};
    controls.forEach(function (control) {
      var value = control.value.trim();
      if (value) {
        out[control.getAttribute("data-param")] = value;
      }
    });
    return out;
  }

  function matches(row, f) {
    var d = row.dataset;
    if (f.q) {
      var words = f.q.toLowerCase().split(/\s+/);
      for (var i = 0; i < words.length; i += 1) {
        if (words[i] && d.search.indexOf(words[i]) < 0) {
          return false;
        }
      }
    }
    if (f.rung) {
      var rung = Number(d.rung);
      var wanted = parseInt(f.rung, 10);
      if (/\+$/.test(f.rung) ? rung < wanted : rung !== wanted) {
        return false;
      }
    }
    if (f.osd && d.osd !== f.osd.toLowerCase()) {
      return false;
    }
    if (f.license && d.licenses.split(",").indexOf(f.license.toLowerCase()) < 0) {
      return false;
    }
    if (f.mof && d.mof !== f.mof.toLowerCase()) {
      return false;
    }
    if (f.org && d.org !== f.org.toLowerCase()) {
      return false;
    }
    if (f.downloads && Number(d.downloads) < Number(f.downloads)) {
      return false;
    }
    return true;
  }

  function sortValue(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    return numeric ? Number(value) : value.trim().toLowerCase();
  }

  function ordered(shown) {
    var index = -1;
    heads.forEach(function (head, i) {
      if (head.getAttribute("data-sort") === sort.key) {
        index = i;
      }
    });
    heads.forEach(function (head, i) {
      if (head.hasAttribute("data-sort")) {
        head.setAttribute(
          "aria-sort",
          i === index ? (sort.dir > 0 ? "ascending" : "descending") : "none"
        );
      }
    });
    if (index < 0) {
      return shown;
    }
    var numeric = heads[index].getAttribute("data-type") === "num";
    return shown.slice().sort(function (a, b) {
      var x = sortValue(a, index, numeric);
      var y = sortValue(b, index, numeric);
      if (x < y) {
        return -sort.dir;
      }
      if (x > y) {
        return sort.dir;
      }
      return Number(a.dataset.rank) - Number(b.dataset.rank);
    });
  }

  function writeUrl(f) {
    var parts = Object.keys(f).map(function (name) {
      return encodeURIComponent(name) + "=" + encodeURIComponent(f[name]);
    });
    if (sort.key) {
      parts.push("sort=" + (sort.dir < 0 ? "-" : "") + encodeURIComponent(sort.key));
    }
    try {
      var here = window.location.pathname;
      window.history.replaceState(null, "", parts.length ? here + "#" + parts.join("&") : here);
    } catch (error) {
      // a file: page may refuse; the filters still apply
    }
  }

  function apply(write) {
    var f = filters();
    var shown = ordered(
      rows.filter(function (row) {
        return matches(row, f);
      })
    );
    body.textContent = "";
    shown.forEach(function (row) {
      body.appendChild(row);
    });
    if (!shown.length) {
      body.appendChild(empty);
    }
    count.textContent = "Showing " + shown.length + " of " + rows.length + " models";
    table.setAttribute("data-shown", String(shown.length));
    if (write) {
      writeUrl(f);
    }
  }

  function load() {
    var found = fromUrl();
    controls.forEach(function (control) {
      setControl(control, found[control.getAttribute("data-param")] || "");
    });
    var key = found.sort || "";
    sort.dir = key.charAt(0) === "-" ? -1 : 1;
    sort.key = key.replace(/^-/, "");
    apply(false);
  }

  heads.forEach(function (head) {
    var key = head.getAttribute("data-sort");
    if (!key) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = head.textContent;
    button.title = "Sort by " + head.textContent;
    head.textContent = "";
    head.appendChild(button);
    head.setAttribute("aria-sort", "none");
    button.addEventListener("click", function () {
      if (sort.key === key) {
        sort.dir = -sort.dir;
      } else {
        sort.key = key;
        sort.dir = head.getAttribute("data-type") === "num" ? -1 : 1;
      }
      apply(true);
    });
  });
  controls.forEach(function (control) {
    control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
      apply(true);
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    controls.forEach(function (control) {
      control.value = "";
    });
    sort.key = "";
    apply(true);
  });
  window.addEventListener("hashchange", load);
  panel.hidden = false;
  load();
  table.setAttribute("data-script", "ready");
})();
