// The only script of the employer's page: a print button (the page works without it).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print");
  if (button) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
