// Tell the portal the viewer's time zone so it shows due times as the viewer's clock reads.
(function () {
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  // Zone names (Area/City_Name, Etc/GMT+5) are valid cookie values as they are.
  var cookie = "cb_tz=" + zone;
  if (document.cookie.split("; ").indexOf(cookie) !== -1) { return; }
  document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax";
  // Reload once so this page shows local times too; never when cookies are refused.
  var shown = document.body ? document.body.getAttribute("data-zone") : zone;
  if (document.cookie.split("; ").indexOf(cookie) !== -1 && shown !== zone) {
    window.location.reload();
  }
})();
