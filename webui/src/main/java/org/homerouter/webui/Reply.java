package org.homerouter.webui;

import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpStatus;

/**
 * What a route answers; {@link RequestDispatch} writes it with the security headers every response gets. Also
 * the pages any code may answer: an error, the way on to another origin.
 */
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

    /**
     * The answer to a form whose next page is at another of this router's origins (HTTPS switched
     * on, moved or off): a page of this origin that sends the browser on, not a redirect. Chromium
     * checks the form's CSP {@code form-action 'self'} against every redirect that follows a form
     * submission, and refuses one to another scheme or port, leaving the admin on the old page.
     * Widening form-action instead cannot work: the policy comes with the page that holds the form,
     * served before the change, so it cannot name the port typed into that very form; and CSP cannot
     * name an IPv6 address literal, which the UI answers to. Navigating on from a page is not a form
     * submission, so form-action stays 'self'.
     */
    static Reply onTo(String url) {
        Map<String, Object> model = bareModel("moving");
        model.put("to", url);
        return new Page(HttpStatus.OK_200, "moving.ftlh", model);
    }

    /**
     * A request that found no page or failed, answered with a page of the UI (its status code
     * unchanged) that says so and links on to the Dashboard and the Logs page, not a bare line of text.
     */
    static Reply errorPage(int status, String heading, String message) {
        Map<String, Object> model = bareModel("error");
        model.put("heading", heading);
        model.put("message", message);
        return new Page(status, "error.ftlh", model);
    }

    /** The layout's model for a page shown without a form of the session's (no CSRF token, no notice). */
    static Map<String, Object> bareModel(String nav) {
        return new HashMap<>(Map.of("csrf", "", "nav", nav, "errors", Map.of(), "values", Map.of(), "flash", "",
                "flashWarning", false, "httpsFailure", ""));
    }
}
