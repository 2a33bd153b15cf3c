//! The API's routes and the permission each needs.

use rollcall_app::access::Permission;

use crate::common::RouteRule;

pub const ACCESS: &[RouteRule] = &[
    RouteRule {
        method: "GET",
        path: "/api/v1/me",
        permission: Permission::Account,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils/search",
        permission: Permission::SearchPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils/{upn}",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/pupils/{upn}/marks",
        permission: Permission::ReadPupils,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/figures",
        permission: Permission::GroupFigures,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/alerts",
        permission: Permission::Alerts,
    },
    RouteRule {
        method: "GET",
        path: "/api/v1/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "POST",
        path: "/api/v1/registers/{form}/{date}/{session}",
        permission: Permission::TakeRegisters,
    },
    RouteRule {
        method: "POST",
        path: "/api/v1/children/absences",
        permission: Permission::OwnChildren,
    },
    RouteRule {
        method: "POST",
        path: "/api/v1/children/leave",
        permission: Permission::OwnChildren,
    },
];
