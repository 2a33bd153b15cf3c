// Small enhancements; every page works without them.
document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-all-present]");
  if (all) {
    event.preventDefault();
    for (const select of document.querySelectorAll("select[data-mark]")) {
      if (!select.value) select.value = select.dataset.present;
    }
  }
});
