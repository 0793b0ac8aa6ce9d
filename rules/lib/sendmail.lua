-- sendmail{ from=, to=, subject=, body= }: the original piped into /usr/sbin/sendmail; here it raises an alert,
-- which the alert actor mails (with de-duplication and rate limits) without blocking the rule.
return function(email)
  alert {
    key = email.subject,
    subject = email.subject or "(no subject)",
    body = email.body or "",
    severity = email.severity or "err",
  }
end
