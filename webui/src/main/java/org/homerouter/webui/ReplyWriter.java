package org.homerouter.webui;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link Reply} as the response's status, headers and body, a page drawn from its
 * template; a page that fails to draw becomes the internal-error page (plain text when even that
 * fails). Logs under {@link WebServer}'s name. No state but the templates, safe from every request.
 */
final class ReplyWriter {
    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);

    /** Where an internal error's details are: not among the events of the Logs page. */
    static final String INTERNAL_ERROR = "The router failed to answer this request (an internal error). The details "
            + "are in the service's log: on the router image, the journal of homerouter.service "
            + "(journalctl -u homerouter). The Logs page shows whether your change was made.";

    private final Templates templates;

    ReplyWriter(Templates templates) {
        this.templates = templates;
    }

    boolean write(Response response, Callback callback, Reply reply) {
        String body;
        int status;
        String type;
        switch (reply) {
            case Reply.Redirect r -> {
                status = HttpStatus.SEE_OTHER_303;
                response.getHeaders().put(HttpHeader.LOCATION, r.location());
                type = "text/plain";
                body = "see " + r.location() + "\n";
            }
            case Reply.Text t -> {
                status = t.status();
                type = t.contentType();
                body = t.body();
                if (t.downloadName() != null) {
                    response.getHeaders().put(HttpHeader.CONTENT_DISPOSITION,
                            "attachment; filename=\"" + t.downloadName() + "\"");
                }
            }
            case Reply.Page p -> {
                status = p.status();
                type = "text/html;charset=utf-8";
                try {
                    body = templates.render(p.template(), p.model());
                } catch (Exception e) {
                    LOG.error("rendering {} failed", p.template(), e);
                    status = HttpStatus.INTERNAL_SERVER_ERROR_500;
                    body = renderedInternalError();
                    if (body == null) {
                        type = "text/plain"; // the templates themselves are broken
                        body = INTERNAL_ERROR + "\n";
                    }
                }
            }
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }

    static Reply internalError() {
        return Reply.errorPage(HttpStatus.INTERNAL_SERVER_ERROR_500, "Something went wrong", INTERNAL_ERROR);
    }

    /** The internal-error page, or null when it cannot be rendered either. */
    private String renderedInternalError() {
        Reply.Page error = (Reply.Page) internalError();
        try {
            return templates.render(error.template(), error.model());
        } catch (Exception e) {
            return null;
        }
    }
}
