//! Arranging accounts for tests: users of each role made through the services, API tokens, and
//! browser-like sessions that sign in through the real login form.
use obrador::domain::{
    CustomerId, CustomerInput, Email, Name, NewPassword, RawCustomer, Role, UserId,
};
use obrador::services::{accounts, tokens, By};
use reqwest::{Client, Response};

use super::TestApp;

pub const PASSWORD: &str = "a long test password";

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: UserId,
    pub customer_id: CustomerId,
    pub email: String,
}

impl TestApp {
    /// A user with `role` (password `PASSWORD`): with `business`, an employee of it; otherwise
    /// with an individual customer account of their own.
    pub fn user(&self, role: Role, business: Option<CustomerId>) -> TestUser {
        let n = self.next_id();
        let email = format!("{}{n}@example.org", role.as_str().replace('_', "-"));
        let new = accounts::NewUser {
            email: Email::parse(&email).expect("email"),
            name: Name::parse(&format!("Test {} {n}", role), "name").expect("name"),
            role,
            business,
            password: Some(NewPassword::parse(PASSWORD).expect("password")),
        };
        let mut conn = self.db.conn();
        // Arranged people get no welcome mail, so tests see only the mail they cause.
        let (user, _) =
            accounts::create_user(&mut conn, &By::System("test"), new, None).expect("user created");
        TestUser {
            id: user.id,
            customer_id: user.customer_id,
            email,
        }
    }

    /// A business customer account.
    pub fn business(&self, name: &str) -> CustomerId {
        let n = self.next_id();
        let raw = RawCustomer {
            kind: "business".into(),
            legal_name: name.into(),
            tax_id: Some(format!("B{:08}", n)),
            address: Some("Carrer Major 1, Girona".into()),
            billing_email: Some(format!("billing{n}@example.org")),
            price_category: "business".into(),
        };
        let input = CustomerInput::parse(&raw).expect("customer");
        let mut conn = self.db.conn();
        accounts::create_customer(&mut conn, &By::System("test"), &input)
            .expect("customer created")
            .id
    }

    /// A fresh API token acting as `user`.
    pub fn token(&self, user: &TestUser) -> String {
        let mut conn = self.db.conn();
        let name = Name::parse("test token", "name").expect("name");
        tokens::create(&mut conn, &By::System("test"), user.id, &name, None, None)
            .expect("token")
            .secret
    }

    /// A client with its own cookie jar, signed in through the login form.
    pub async fn browser_for(&self, user: &TestUser) -> Browser {
        let browser = self.browser();
        let response = browser.login(&user.email, PASSWORD).await;
        assert_eq!(response.status(), 303, "login of {} succeeds", user.email);
        browser
    }

    /// A client with its own cookie jar, not signed in.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.address)
    }

    /// A second server on the same database and settings, as a load balancer would run it.
    pub async fn second_instance(&self) -> Browser {
        let app = obrador::startup::Application::build(self.settings.clone())
            .await
            .expect("second instance starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Browser::new(&address)
    }

    /// `GET path` as the API user with `token`.
    pub async fn api_get(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("sent")
    }

    /// `method path` with a JSON body as the API user with `token`.
    pub async fn api_send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }
}

/// A browser-like client: keeps cookies, fills in the CSRF field from the page it came from.
pub struct Browser {
    pub client: Client,
    pub address: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    pub fn new(address: &str) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("client");
        Browser {
            client,
            address: address.to_string(),
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("sent")
    }

    pub async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("html")
    }

    /// The CSRF token printed in the forms of `path`.
    pub async fn csrf(&self, path: &str) -> String {
        csrf_in(&self.page(path).await)
    }

    /// Submits a form as a browser would after loading `from`: with the page's CSRF token.
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf(from).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(self.url(action))
            .form(&form)
            .send()
            .await
            .expect("sent")
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }
}

/// The value of the first hidden `csrf_token` field in `html`.
pub fn csrf_in(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("the page has a CSRF field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_string()
}

impl Browser {
    /// The value of this client's session cookie, if signed in.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = reqwest::Url::parse(&self.address).ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix("obrador_session=").map(str::to_string))
    }
}
