// Progressive enhancement for the word counts under text boxes: the
// server writes each count when it renders the page; this keeps it in
// step while the person types. Words are counted as the server counts
// them: runs of non-space characters holding a letter or a digit.
"use strict";
document.querySelectorAll("[data-word-count]").forEach(function (output) {
  var box = document.getElementById(output.getAttribute("data-word-count"));
  if (!box) {
    return;
  }
  var limit = Number(output.getAttribute("data-limit") || 0);
  box.addEventListener("input", function () {
    var words = box.value.split(/\s+/).filter(function (w) {
      return /[\p{L}\p{N}]/u.test(w);
    }).length;
    var text = words === 1 ? "1 word" : words + " words";
    if (limit > 0) {
      text = words + " of " + limit + " words";
      if (words > limit) {
        text += ": " + (words - limit) + " too many";
      }
    }
    output.textContent = text;
    output.classList.toggle("word-count--over", limit > 0 && words > limit);
  });
});
