-- alertmail{ subject=, body=, severity= }: a mail through alert{}, which the alert actor sends (de-duplicated,
-- rate-limited, retried) without blocking the rule, to the recipients of syslogintr.mail. Unlike the original's
-- `sendmail` module (also shipped, trusted rules only: it pipes into /usr/sbin/sendmail), from= and to= are not used.
return function(email)
  alert {
    key = email.subject,
    subject = email.subject or "(no subject)",
    body = email.body or "",
    severity = email.severity or "err",
  }
end
