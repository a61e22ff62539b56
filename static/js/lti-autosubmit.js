// Sends the deep linking response back to the LMS at once (the button is there without scripts).
document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());
