package org.homerouter.webui;

import java.util.Map;

/** What a route answers; {@link WebServer} writes it with the security headers every response gets. */
sealed interface Reply {
    /** A page from a FreeMarker template (HTML auto-escaped). */
    record Page(int status, String template, Map<String, Object> model) implements Reply { }

    /** 303 See Other after a POST (so reloading does not repeat it), or to send to login/setup. */
    record Redirect(String location) implements Reply { }

    record Text(int status, String contentType, String body, String downloadName) implements Reply {
        Text(int status, String contentType, String body) {
            this(status, contentType, body, null);
        }
    }
}
