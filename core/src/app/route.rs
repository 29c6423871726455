//! Where the person is: one of three tabs, and the records opened from it (a stack, so "back" returns
//! to where they came from). It lives in the core, so a rotation or a process restart on the phone
//! does not lose it.

use crate::domain::ids::{AlarmId, InspectionId, TaskId};

/// A screen of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    SignIn,
    /// Home: alarms, re-inspections due, unfinished inspections.
    Today,
    /// Enterprise search and the new-inspection form.
    Search,
    Tasks,
    Settings,
    Inspection(InspectionId),
    Task(TaskId),
    Alarm(AlarmId),
}

impl Route {
    /// A tab root: opening one replaces the stack.
    pub fn is_tab(self) -> bool {
        matches!(self, Self::Today | Self::Search | Self::Tasks | Self::Settings)
    }

    /// A screen the officer uses on site, where location is watched.
    pub fn on_site(self) -> bool {
        matches!(self, Self::Inspection(_) | Self::Alarm(_))
    }
}

/// The back stack; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Navigation {
    stack: Vec<Route>,
}

impl Default for Navigation {
    fn default() -> Self {
        Self { stack: vec![Route::SignIn] }
    }
}

impl Navigation {
    pub fn current(&self) -> Route {
        *self.stack.last().unwrap_or(&Route::SignIn)
    }

    /// The tab the current screen was opened from.
    pub fn tab(&self) -> Route {
        self.stack.first().copied().unwrap_or(Route::SignIn)
    }

    pub fn can_go_back(&self) -> bool {
        self.stack.len() > 1
    }

    /// Opens `route`: a tab replaces the stack, a record goes on top (opening the same record twice
    /// does not stack it twice).
    pub fn open(&mut self, route: Route) {
        if route.is_tab() || route == Route::SignIn {
            self.stack = vec![route];
        } else if self.current() != route {
            self.stack.push(route);
        }
    }

    /// Goes back one screen; false at a tab root (the app may then close).
    pub fn back(&mut self) -> bool {
        if self.can_go_back() {
            self.stack.pop();
            true
        } else {
            false
        }
    }

    /// Replaces the current record screen (e.g. a new draft replaces the search form's place).
    pub fn replace(&mut self, route: Route) {
        if self.can_go_back() {
            self.stack.pop();
        }
        self.open(route);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_reset_the_stack_and_records_stack_once() {
        let mut nav = Navigation::default();
        assert_eq!(nav.current(), Route::SignIn);
        nav.open(Route::Today);
        let task = Route::Task(TaskId::new());
        nav.open(task);
        nav.open(task);
        assert_eq!((nav.current(), nav.tab()), (task, Route::Today));
        assert!(nav.back());
        assert!(!nav.back(), "a tab root has no back");
        nav.open(task);
        nav.open(Route::Tasks);
        assert_eq!(nav.current(), Route::Tasks);
        assert!(!nav.can_go_back());
    }

    #[test]
    fn replace_swaps_the_top_record() {
        let mut nav = Navigation::default();
        nav.open(Route::Search);
        let draft = Route::Inspection(InspectionId::new());
        nav.replace(draft);
        assert_eq!(nav.current(), draft);
        assert!(nav.back());
        assert_eq!(nav.current(), Route::Search);
    }
}
