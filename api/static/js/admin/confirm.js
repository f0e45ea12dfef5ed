/* Two clicks for anything that changes the live service: the first arms the button for a few
   seconds (its text asks for confirmation), the second runs the action. */

const CONFIRM_MS = 5000;

/* action: async () => void; the button is disabled while it runs. */
export function confirmClick(button, question, action) {
  const idle = button.textContent;
  const disarm = () => {
    button.dataset.armed = "";
    button.textContent = idle;
    button.classList.remove("btn-warn");
  };
  button.addEventListener("click", async () => {
    if (button.dataset.armed !== "1") {
      button.dataset.armed = "1";
      button.textContent = question;
      button.classList.add("btn-warn");
      setTimeout(() => { if (button.isConnected && button.dataset.armed === "1") disarm(); }, CONFIRM_MS);
      return;
    }
    disarm();
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
