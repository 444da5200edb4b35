"""The plugin's kinds of page: one page of a list, one object's page (its summary, the
actions of its row in the list, tabs), a form in a modal. A list or an object's page reads
what it shows in one vmove call."""

from django import http
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import forms, tables, tabs
from horizon.utils import memoized

from vmove.dashboard import api


def panel_url(request, name, *args):
    """The URL ``name`` (``index``, ``detail``...) of the panel of the page ``request`` asks for."""
    return reverse(f"{request.resolver_match.namespace}:{name}", args=args)


class PagedIndexView(tables.DataTableView):
    """A list page: one page of the ``list`` of the manager of ``table_class`` with markers (one API
    call), the server filters; the project's own objects only unless not ``project_scoped`` (an
    admin's page)."""

    template_name = "vmove_dashboard/table.html"
    list_error = _("Unable to list")
    project_scoped = True

    def list_call(self):
        return api.objects(self.request, self.table_class).list

    def list_filters(self) -> dict:
        """The API filters of the table's server filter, a status as the API spells it ("awaiting_approval")."""
        filters = self.get_filters()
        if "status" in filters:
            filters["status"] = filters["status"].lower().replace(" ", "_")
        if self.project_scoped:
            filters["project_id"] = self.request.user.project_id
        return filters

    def get_data(self):
        meta = self.table_class._meta
        self._prev = self._more = False
        try:
            found, self._prev, self._more = api.page(
                self.request,
                self.list_call(),
                marker=self.request.GET.get(meta.pagination_param),
                prev_marker=self.request.GET.get(meta.prev_pagination_param),
                **self.list_filters(),
            )
        except Exception:
            api.fail(self.request, self.list_error)
            return []
        return found

    def has_more_data(self, table):
        return self._more

    def has_prev_data(self, table):
        return self._prev


def admin_views(project_views, table, title):
    """The list page and object page of an admin's panel over a project's panel (``project_views``,
    its views module): every project's objects, in ``table``; the list titled ``title``."""

    class IndexView(project_views.IndexView):
        table_class = table
        page_title = title
        project_scoped = False

    class DetailView(project_views.DetailView):
        actions_table = table

    return IndexView, DetailView


class ObjectMixin:
    """A page about one vmove object of ``kind`` (``move``...): the client's manager ``<kind>s``
    reads it by the URL's ``<kind>_id``; one that cannot be read sends back to the list of the page's
    panel."""

    kind = ""

    @memoized.memoized_method
    def get_object(self):
        ident = self.kwargs[f"{self.kind}_id"]
        try:
            return getattr(api.client(self.request), f"{self.kind}s").get(ident)
        except Exception:
            api.fail(self.request, _("Unable to read %s") % ident, redirect=panel_url(self.request, "index"))


class DetailActionsMixin(ObjectMixin):
    """A detail page whose header shows ``actions_table``'s row actions for its object,
    and handles them when posted (to this page, so the object need not be on
    the list's current page)."""

    actions_table = None

    def actions_table_for(self, obj):
        return self.actions_table(self.request, data=[obj])

    def header_actions(self, context, obj):
        table = self.actions_table_for(obj)
        context["actions"] = table.render_row_actions(obj)
        context["url"] = self.request.get_full_path()
        return context

    def post(self, request, *args, **kwargs):
        table = self.actions_table_for(self.get_object())
        handled = table.maybe_handle()
        if handled:
            return handled
        return http.HttpResponseRedirect(request.get_full_path())


class DetailView(DetailActionsMixin, tabs.TabbedTableView):
    """An object's page: ``object_context`` above the tabs of ``tab_group_class``; the template
    and the tabs get the object by its ``kind`` (``move``...)."""

    template_name = "vmove_dashboard/detail.html"

    def object_context(self, obj) -> dict:
        """What the page shows of ``obj`` besides its tabs (``page_title``, a summary...)."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.get_object()
        context[self.kind] = obj
        context.update(self.object_context(obj))
        return self.header_actions(context, obj)

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, **{self.kind: self.get_object()}, **kwargs)

    def post(self, request, *args, **kwargs):
        """An action of a table in one of the tabs (a run's items) goes to its tab's table, the others to
        ``actions_table``'s."""
        name = tables.DataTable.check_handler(request)[0]
        if name and name != self.actions_table._meta.name:
            return tabs.TabbedTableView.post(self, request, *args, **kwargs)
        return super().post(request, *args, **kwargs)


class ModalFormView(forms.ModalFormView):
    """A form of the plugin in a modal, with ``help_text`` beside it; its ``slug`` names the form
    (``<slug>_form``) and the modal (``<slug>_modal``). It posts to its own URL; Cancel goes back to
    the list of its panel, success to the page (in its panel) of what the form made or changed."""

    template_name = "vmove_dashboard/form.html"
    help_text = ""
    slug = ""

    @property
    def form_id(self):
        return f"{self.slug}_form"

    @property
    def modal_id(self):
        return f"{self.slug}_modal"

    @property
    def submit_url(self):
        return self.request.path

    @property
    def success_url(self):
        return panel_url(self.request, "index")

    def get_success_url_from_handled(self, handled):
        return panel_url(self.request, "detail", handled["uuid"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["help_text"] = self.help_text
        return context


class ObjectTabs(tabs.DetailTabsGroup):
    """The tabs of an object's page (its ``tab_group_class``): the page passes them the object by
    its kind (``move``...), their ``slug``; each tab reads it as ``self.tab_group.object``."""

    @property
    def object(self):
        return self.kwargs[self.slug]


class ObjectTab(tabs.Tab):
    """A tab of an object's page showing the object in ``template_name`` (by its kind: ``move``...)."""

    def get_context_data(self, request):
        return {self.tab_group.slug: self.tab_group.object}


def object_tab(name, slug, template_name):
    """An ObjectTab class: the tab ``slug`` titled ``name``, showing the page's object in ``template_name``."""
    return type(f"{slug.title()}Tab", (ObjectTab,), {"name": name, "slug": slug, "template_name": template_name})


class TableTab(tabs.TableTab):
    """A tab of an object's page showing a table."""

    template_name = "horizon/common/_detail_table.html"


def listing_tab(name, slug, table_class, failure, read, **attrs):
    """A TableTab class: the tab ``slug`` titled ``name``, showing in ``table_class`` what one vmove call,
    ``read(client, obj)``, answers about the page's object; none once ``failure % obj`` is reported."""

    def get_data(tab):
        obj = tab.tab_group.object
        return api.listing(tab.request, failure % obj, lambda vmove: read(vmove, obj))

    attrs.update(name=name, slug=slug, table_classes=(table_class,))
    attrs[f"get_{table_class._meta.name}_data"] = get_data
    return type(f"{slug.title()}Tab", (TableTab,), attrs)
