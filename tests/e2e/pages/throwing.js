// The host's own scripts are broken: they throw synchronously, asynchronously and in listeners.
window.hostErrors = [];
window.addEventListener('error', function (e) { window.hostErrors.push(String(e.message)); });
document.addEventListener('click', function () { throw new Error('host click handler broke'); });
setTimeout(function () { throw new Error('host timer broke'); }, 0);
throw new Error('host script broke at load');
