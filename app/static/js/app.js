// Ask before a destructive action. Forms carry the question in data-confirm; no inline script (CSP).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// A table wider than the screen scrolls sideways in its .table-responsive box: while it does, the
// box takes the keyboard focus, so that it can be scrolled with the arrow keys (WCAG 2.1.1).
function focusableWhenScrolling() {
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.scrollWidth > box.clientWidth) {
      box.tabIndex = 0;
    } else {
      box.removeAttribute("tabindex");
    }
  }
}
focusableWhenScrolling();
window.addEventListener("resize", focusableWhenScrolling);
