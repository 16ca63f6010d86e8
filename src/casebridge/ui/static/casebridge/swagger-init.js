// Start Swagger UI on /api/docs from the settings the page carries as JSON (a file, not an
// inline script, so the page runs under the Content-Security-Policy).
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrf = document.body.getAttribute("data-csrf-token");
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis];
  if (csrf) {
    // "Try it out" with the browser session: unsafe methods need the CSRF token.
    settings.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = csrf;
      return request;
    };
  }
  window.ui = SwaggerUIBundle(settings);
})();
