-- wrk script: POST /api/auth/login with a fixed, registered account.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.org","password":"a long unusual benchmark passphrase"}'
